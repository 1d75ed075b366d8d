// Starts OpenTelemetry in a web node when the environment asks for it
// (@stickless/tracing-env). The SDK and @fastify/otel are imported only then: a node
// without OTEL_* variables loads neither and pays nothing per request.
//
// What the SDK reads itself: OTEL_EXPORTER_OTLP_ENDPOINT (and the TRACES_
// variants), OTEL_EXPORTER_OTLP_PROTOCOL (`http/protobuf`, the default, or
// `http/json`), OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER and _ARG, OTEL_BSP_*.
import type { FastifyPluginCallback } from 'fastify'
import { serviceNameOf, tracingWanted } from '@stickless/tracing-env'

export interface WebTracing {
  /**
   * @fastify/otel's plugin: registered first on the root instance (buildApp
   * does), so every later hook, route and the 404 handler are wrapped. It
   * continues an incoming W3C `traceparent` (the LB's attempt span).
   */
  readonly plugin: FastifyPluginCallback
  /** Exports what is buffered and stops the SDK. */
  shutdown: () => Promise<void>
}

/** Undefined when tracing is off (no OTEL_* variables say where to export). */
export async function startWebTracing (env: NodeJS.ProcessEnv, nodeName: string): Promise<WebTracing | undefined> {
  if (!tracingWanted(env)) return undefined
  const [{ NodeSDK }, { FastifyOtelInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@fastify/otel')
  ])
  const instrumentation = new FastifyOtelInstrumentation()
  const sdk = new NodeSDK({
    serviceName: serviceNameOf(env, `stickless-${nodeName}`),
    instrumentations: [instrumentation],
    // Traces only: the nodes' metrics are Prometheus text on /metrics.
    ...(env.OTEL_METRICS_EXPORTER === undefined ? { metricReaders: [] } : {}),
    ...(env.OTEL_LOGS_EXPORTER === undefined ? { logRecordProcessors: [] } : {})
  })
  sdk.start()
  return {
    plugin: instrumentation.plugin(),
    shutdown: async () => { await sdk.shutdown() }
  }
}
