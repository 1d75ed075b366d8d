import { Type } from '@sinclair/typebox'
import { errorCodes } from './errors.js'
import { integer, resolveWithSchema } from './option-schema.js'

/**
 * Failure codes the proxy gives attempts that have no Node error code of
 * their own. Node's codes (ECONNREFUSED, ECONNRESET, ...) are used as they are.
 */
export const attemptFailureCodes = Object.freeze({
  /** The TCP connection was not established within the connect timeout. */
  connectTimeout: 'STK_CONNECT_TIMEOUT',
  /** Connected and sent, but the upstream did not answer within the proxy timeout. */
  upstreamTimeout: 'STK_UPSTREAM_TIMEOUT',
  /** The proxy gave up waiting because active checks took the upstream out of rotation. */
  upstreamUnhealthy: 'STK_UPSTREAM_UNHEALTHY'
})

// Failures that can only happen before a byte of the request left: the
// upstream cannot have seen the request, so any method may be re-sent.
const connectFailureCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  attemptFailureCodes.connectTimeout
])

// The connection broke. Whether the upstream saw the request depends on when.
const resetCodes: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  attemptFailureCodes.upstreamUnhealthy
])

export interface RetryPolicyOptions {
  /** Attempts per request, the first included; 1 turns retries off. Default 3. */
  maxAttempts?: number
  /**
   * Methods that may be re-sent after the upstream may have seen the request
   * (RFC 9110 9.2.2). Default GET, HEAD, OPTIONS, PUT, DELETE, TRACE.
   */
  idempotentMethods?: readonly string[]
}

export type ResolvedRetryPolicyOptions = Readonly<{
  maxAttempts: number
  idempotentMethods: readonly string[]
}>

export const retryPolicyDefaults: ResolvedRetryPolicyOptions = Object.freeze({
  maxAttempts: 3,
  idempotentMethods: Object.freeze(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'])
})

/** Everything the policy needs to know about a failed attempt. */
export interface RetryContext {
  readonly method: string
  /** Node's error code, or one of `attemptFailureCodes`. */
  readonly errorCode: string | undefined
  /**
   * Whether the upstream may have received the request. False when the
   * connection never opened, or when a reused keep-alive connection broke
   * before any answer (the upstream had closed it while idle; see
   * `request.reusedSocket` in Node's http docs).
   */
  readonly requestSent: boolean
  /** Whether response headers arrived from the upstream. */
  readonly responseStarted: boolean
  /** Bytes already written to the client for this request. */
  readonly bytesSentToClient: number
  /** Whether the whole request body is held in memory, so it can be sent again. */
  readonly requestBodyBuffered: boolean
  /** Attempts made so far, the failed one included (1 after the first). */
  readonly attempt: number
}

export type RetryReason =
  | 'connect-failure'
  | 'reset-before-sent'
  | 'idempotent-reset'
  | 'response-started'
  | 'attempts-exhausted'
  | 'body-not-buffered'
  | 'not-idempotent'
  | 'not-retryable'

export interface RetryDecision {
  readonly retry: boolean
  readonly reason: RetryReason
}

/**
 * Decides whether a failed attempt may be sent to another upstream. It is
 * kept apart from the loop that retries (as @fastify/reply-from keeps
 * getDefaultDelay apart from its retry loop) so every rule is a unit test.
 */
export class RetryPolicy {
  readonly options: ResolvedRetryPolicyOptions
  private readonly idempotent: ReadonlySet<string>

  constructor (options: RetryPolicyOptions = {}) {
    this.options = resolveRetryPolicyOptions(options)
    this.idempotent = new Set(this.options.idempotentMethods)
  }

  decide (context: RetryContext): RetryDecision {
    // Once the client has a status line, a second answer cannot be sent.
    if (context.responseStarted || context.bytesSentToClient > 0) return { retry: false, reason: 'response-started' }
    if (context.attempt >= this.options.maxAttempts) return { retry: false, reason: 'attempts-exhausted' }
    if (!context.requestBodyBuffered) return { retry: false, reason: 'body-not-buffered' }
    const code = context.errorCode ?? ''
    if (connectFailureCodes.has(code)) return { retry: true, reason: 'connect-failure' }
    if (!resetCodes.has(code)) return { retry: false, reason: 'not-retryable' }
    if (!context.requestSent) return { retry: true, reason: 'reset-before-sent' }
    if (this.isIdempotent(context.method)) return { retry: true, reason: 'idempotent-reset' }
    return { retry: false, reason: 'not-idempotent' }
  }

  shouldRetry (context: RetryContext): boolean {
    return this.decide(context).retry
  }

  isIdempotent (method: string): boolean {
    return this.idempotent.has(method.toUpperCase())
  }
}

/** Whether an error code means the connection was never established. */
export function isConnectFailure (errorCode: string | undefined): boolean {
  return errorCode !== undefined && connectFailureCodes.has(errorCode)
}

const RetryPolicyOptionsSchema = Type.Object({
  maxAttempts: integer(1, 20, retryPolicyDefaults.maxAttempts),
  idempotentMethods: Type.Array(Type.String({ pattern: '^[A-Za-z]+$' }), {
    default: retryPolicyDefaults.idempotentMethods,
    expected: 'expected an array of method names'
  })
}, { additionalProperties: false })

export function resolveRetryPolicyOptions (options: RetryPolicyOptions = {}): ResolvedRetryPolicyOptions {
  const resolved = resolveWithSchema<ResolvedRetryPolicyOptions>(RetryPolicyOptionsSchema, options, errorCodes.STK_ERR_RETRY_INVALID_OPTION)
  return Object.freeze({ maxAttempts: resolved.maxAttempts, idempotentMethods: Object.freeze(resolved.idempotentMethods.map((m) => m.toUpperCase())) })
}
