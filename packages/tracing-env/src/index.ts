// Whether this process exports traces, from the standard OpenTelemetry
// variables alone. Tracing is off unless an endpoint or an exporter is named:
// then the SDK is never even loaded. An empty value counts as unset, so
// docker compose's `${OTEL_EXPORTER_OTLP_ENDPOINT:-}` turns it off.

function named (value: string | undefined): boolean {
  return value !== undefined && value.trim() !== ''
}

export function tracingWanted (env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false
  const exporters = env.OTEL_TRACES_EXPORTER?.split(',').map((name) => name.trim()).filter((name) => name !== '') ?? []
  if (exporters.includes('none')) return false
  return exporters.length > 0 || named(env.OTEL_EXPORTER_OTLP_ENDPOINT) || named(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
}

/** OTEL_SERVICE_NAME when set, else this process's own default (`stickless-web-1`, `stickless-lb`). */
export function serviceNameOf (env: NodeJS.ProcessEnv, fallback: string): string | undefined {
  return named(env.OTEL_SERVICE_NAME) ? undefined : fallback
}
