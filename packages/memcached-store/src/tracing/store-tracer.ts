// What the store tells tracing and timing about its work: an OpenTelemetry
// span per command sent to one replica (CLIENT) and per refill, rebalance and
// merge (INTERNAL), and an event per finished command on a diagnostics
// channel (a web node turns those into its Server-Timing header). Only
// @opentelemetry/api is used: the app that wants traces registers an SDK;
// without one the API's tracer is a no-op, and a command that nobody traces
// and nobody listens to costs one boolean test and two property reads.
import diagnosticsChannel from 'node:diagnostics_channel'
import { performance } from 'node:perf_hooks'
import { ProxyTracerProvider, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api'

/** The diagnostics channel on which every finished command is published as a `CommandEvent`. */
export const COMMAND_CHANNEL_NAME = 'stickless:memcached-store:command'

/** One command to one server, as published on COMMAND_CHANNEL_NAME. Never a key or a session id. */
export interface CommandEvent {
  /** The protocol's word: `gets`, `set`, `add`, `cas`, `touch`, `incr`, `delete`, `stats`. */
  readonly command: string
  /** `host:port` */
  readonly server: string
  /** performance.now() when the command was sent. */
  readonly startedAt: number
  readonly durationMs: number
  readonly failed: boolean
}

/** Where a command goes, for the span's `server.*` attributes. */
export interface CommandTarget {
  readonly id: string
  readonly host: string
  readonly port: number
}

/** Ends a command's span and publishes its event, from the command's own promise. */
export type CommandEnd = <T>(pending: Promise<T>) => Promise<T>

const commandChannel = diagnosticsChannel.channel(COMMAND_CHANNEL_NAME)

const TRACER_NAME = '@stickless/memcached-store'
// Database semantic conventions (stable names, semconv 1.26+).
const DB_SYSTEM_NAME = 'db.system.name'
const DB_OPERATION_NAME = 'db.operation.name'
const SERVER_ADDRESS = 'server.address'
const SERVER_PORT = 'server.port'
const ERROR_TYPE = 'error.type'

/**
 * True once an app has registered a tracer provider with the API (an SDK).
 * The API's global provider is a proxy until then; asking it for a tracer
 * under that proxy still gives a tracer that builds non-recording spans,
 * which this check spares every command.
 */
function providerRegistered (): boolean {
  const provider = trace.getTracerProvider()
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer(TRACER_NAME) !== undefined
}

/**
 * One store's tracing: `enabled` is the store's `tracing` option. The tracer
 * is looked up once a provider exists (an SDK may be registered after the
 * store is built), then kept.
 */
export class StoreTracer {
  private tracer: Tracer | undefined

  constructor (private readonly enabled: boolean) {}

  private activeTracer (): Tracer | undefined {
    if (!this.enabled) return undefined
    if (this.tracer === undefined && providerRegistered()) this.tracer = trace.getTracer(TRACER_NAME)
    return this.tracer
  }

  /**
   * Starts one command to `target` on the wire: undefined when nobody traces
   * it or listens for it, else the function that ends it with its promise.
   * The command gets the span; the event goes out from where a caller waits
   * for it, in the caller's async context, so `publish` is false for a
   * multi-get: its callers each publish their own (finisher()).
   */
  command (target: CommandTarget, command: string, publish = true): CommandEnd | undefined {
    // Only under a span (a request's, a refill's): the background probes
    // every second would otherwise each be a trace of their own.
    const tracer = trace.getActiveSpan() !== undefined ? this.activeTracer() : undefined
    const listened = publish && commandChannel.hasSubscribers
    if (tracer === undefined && !listened) return undefined
    const span = tracer?.startSpan(`memcached ${command}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        [DB_SYSTEM_NAME]: 'memcached',
        [DB_OPERATION_NAME]: command,
        [SERVER_ADDRESS]: target.host,
        [SERVER_PORT]: target.port
      }
    })
    const publishEvent = listened ? publisher(target, command) : undefined
    const finish = (error: unknown): void => {
      if (span !== undefined) endSpan(span, error)
      publishEvent?.(error !== undefined)
    }
    // then, not an async function: one promise per command instead of two
    return (pending) => pending.then((value) => {
      finish(undefined)
      return value
    }, (error: unknown) => {
      finish(error ?? new Error('rejected'))
      throw error
    })
  }

  /**
   * The event alone (a get of a multi-get: its span is the multi-get's):
   * undefined when nobody listens, else the function that ends it. Called
   * from the caller's async context, as command()'s callbacks are, so that a
   * listener can tell whose command it was.
   */
  finisher (target: CommandTarget, command: string): ((failed: boolean) => void) | undefined {
    return commandChannel.hasSubscribers ? publisher(target, command) : undefined
  }

  /** Runs `work` inside an INTERNAL span named `memcached <name>` (refill, rebalance, merge). */
  async internal<T> (name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
    const tracer = this.activeTracer()
    if (tracer === undefined) return await work()
    return await tracer.startActiveSpan(`memcached ${name}`, { kind: SpanKind.INTERNAL, attributes: { [DB_SYSTEM_NAME]: 'memcached', ...attributes } }, async (span) => {
      try {
        const value = await work()
        endSpan(span, undefined)
        return value
      } catch (error) {
        endSpan(span, error ?? new Error('rejected'))
        throw error
      }
    })
  }
}

/** Publishes the command's event when called, timed from now. */
function publisher (target: CommandTarget, command: string): (failed: boolean) => void {
  const startedAt = performance.now()
  return (failed) => {
    const event: CommandEvent = { command, server: target.id, startedAt, durationMs: performance.now() - startedAt, failed }
    commandChannel.publish(event)
  }
}

function endSpan (span: Span, error: unknown): void {
  if (error !== undefined) {
    // The code only: some messages name the start of a key.
    const code: unknown = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
    const type = typeof code === 'string' ? code : 'Error'
    span.setAttribute(ERROR_TYPE, type)
    span.setStatus({ code: SpanStatusCode.ERROR, message: type })
  }
  span.end()
}

/** For code that needs no tracing (tests, the simulation's parts built without a store). */
export const noTracing = new StoreTracer(false)
