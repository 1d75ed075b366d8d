// The LB's OpenTelemetry spans: a SERVER span per client request and a
// CLIENT span per attempt on a node (a retry is a second attempt span), whose
// W3C `traceparent` goes to the node, so the node's spans join the same
// trace. The SDK is imported only when the environment asks for tracing
// (@stickless/tracing-env); until then `lbTracing.on` is false, and the forwarder's
// hooks are each behind that one boolean: a request costs nothing more.
import type { IncomingMessage } from 'node:http'
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, propagation, trace, type Span, type Tracer } from '@opentelemetry/api'
import type { Exchange } from '../proxy/exchange.js'
import type { AttemptResult, ProxyAttempt } from '../proxy/proxy-attempt.js'
import { serviceNameOf, tracingWanted } from '@stickless/tracing-env'

/** The one guard of every tracing hook on the request path. */
export const lbTracing = { on: false }

let tracer: Tracer | undefined
let stopSdk: (() => Promise<void>) | undefined

/**
 * Starts the SDK when OTEL_* variables name an exporter (each LB process,
 * the primary and every worker, runs this). What the SDK reads itself:
 * OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL (`http/protobuf`,
 * the default, or `http/json`), OTEL_SERVICE_NAME (default here
 * `stickless-lb`), OTEL_TRACES_SAMPLER and _ARG, OTEL_BSP_*.
 */
export async function startLbTracing (env: NodeJS.ProcessEnv): Promise<boolean> {
  if (!tracingWanted(env)) return false
  const { NodeSDK } = await import('@opentelemetry/sdk-node')
  const sdk = new NodeSDK({
    serviceName: serviceNameOf(env, 'stickless-lb'),
    // Traces only: the LB's metrics are Prometheus text on its admin port.
    ...(env.OTEL_METRICS_EXPORTER === undefined ? { metricReaders: [] } : {}),
    ...(env.OTEL_LOGS_EXPORTER === undefined ? { logRecordProcessors: [] } : {})
  })
  sdk.start()
  tracer = trace.getTracer('@stickless/lb')
  lbTracing.on = true
  stopSdk = async () => { await sdk.shutdown() }
  return true
}

/** Exports the spans still buffered and stops the SDK; nothing when tracing is off. */
export async function stopLbTracing (): Promise<void> {
  const stop = stopSdk
  stopSdk = undefined
  lbTracing.on = false
  await stop?.()
}

interface ExchangeSpans {
  readonly server: Span
  attempt: Span | undefined
}

// Only exchanges traced while tracing is on are here; an exchange carries no field for it.
const spansOf = new WeakMap<Exchange, ExchangeSpans>()

/** The client request arrived: its SERVER span, continuing a `traceparent` the client sent. */
export function traceExchange (exchange: Exchange): void {
  if (tracer === undefined) return
  const { req } = exchange
  const parent = propagation.extract(ROOT_CONTEXT, req.headers)
  const server = tracer.startSpan(exchange.method, {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': exchange.method,
      'url.path': pathOf(req),
      'url.scheme': 'encrypted' in req.socket ? 'https' : 'http',
      'client.address': req.socket.remoteAddress ?? '',
      'network.protocol.version': req.httpVersion,
      'stickless.request_id': exchange.requestId
    }
  }, parent)
  spansOf.set(exchange, { server, attempt: undefined })
}

/**
 * An attempt starts on a node: its CLIENT span, a child of the request's,
 * and the `traceparent` the node receives (http-proxy copies the client
 * request's headers when the attempt's request is built, right after this).
 */
export function traceAttempt (exchange: Exchange, attempt: ProxyAttempt): void {
  const spans = spansOf.get(exchange)
  if (spans === undefined || tracer === undefined) return
  const parent = trace.setSpan(ROOT_CONTEXT, spans.server)
  const { upstream, context } = attempt
  let address = upstream.url
  let port = 0
  try {
    const url = new URL(upstream.url)
    address = url.hostname
    port = Number(url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : url.port)
  } catch {}
  spans.attempt?.end()
  const span = spans.attempt = tracer.startSpan(`${exchange.method} ${upstream.name}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': exchange.method,
      'server.address': address,
      'server.port': port,
      'http.request.resend_count': context.number - 1,
      'stickless.upstream': upstream.name
    }
  }, parent)
  const headers = exchange.req.headers
  delete headers.traceparent
  delete headers.tracestate
  propagation.inject(trace.setSpan(parent, span), headers)
}

/** An attempt settled: a failed one ends here; one that answered ends with the exchange. */
export function traceAttemptResult (exchange: Exchange, result: AttemptResult): void {
  const spans = spansOf.get(exchange)
  const span = spans?.attempt
  if (spans === undefined || span === undefined) return
  if (result.kind === 'response') {
    span.setAttribute('http.response.status_code', result.response.statusCode ?? 0)
    return
  }
  if (result.kind === 'failed') {
    span.setAttribute('error.type', result.failure.code)
    span.setStatus({ code: SpanStatusCode.ERROR, message: result.failure.message })
  } else {
    span.setAttribute('error.type', 'client-gone')
  }
  span.end()
  spans.attempt = undefined
}

/** The client's response closed: the last attempt's span and the request's end. */
export function traceExchangeEnd (exchange: Exchange, finished: boolean): void {
  const spans = spansOf.get(exchange)
  if (spans === undefined) return
  spansOf.delete(exchange)
  const { server, attempt } = spans
  const status = exchange.res.statusCode
  attempt?.end()
  server.setAttribute('http.request.resend_count', Math.max(0, exchange.attempts - 1))
  if (finished) {
    server.setAttribute('http.response.status_code', status)
    if (status >= 500) server.setStatus({ code: SpanStatusCode.ERROR })
  } else {
    server.setAttribute('error.type', 'aborted')
    server.setStatus({ code: SpanStatusCode.ERROR, message: 'the response did not finish' })
  }
  server.end()
}

function pathOf (req: IncomingMessage): string {
  const url = req.url ?? '/'
  const query = url.indexOf('?')
  // the path only: a query string may carry what a trace must not keep
  return query === -1 ? url : url.slice(0, query)
}
