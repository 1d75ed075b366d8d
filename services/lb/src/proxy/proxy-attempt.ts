import type { ClientRequest, IncomingMessage } from 'node:http'
import { performance } from 'node:perf_hooks'
import { attemptFailureCodes, type Upstream } from '@stickless/balancer'
import { readAnswerAfterFailedWrite } from './body/upstream-write-guard.js'

/** Why an attempt failed, in the terms the retry policy asks about. */
export interface AttemptFailure {
  /** Node's error code, one of the balancer's `attemptFailureCodes`, or the LB's own. */
  readonly code: string
  readonly message: string
  /** A TCP connection to the upstream was established (fresh or reused). */
  readonly connected: boolean
  /** The upstream may have received the request. */
  readonly requestSent: boolean
  /**
   * The upstream had stopped reading the request body (its write buffer was
   * full) when the attempt failed: a stalled upload is then the upstream's
   * doing, not the client's.
   */
  readonly uploadBlocked: boolean
}

export type AttemptResult =
  /** The upstream answered: status and headers are here, the body is still to stream. */
  | { readonly kind: 'response', readonly response: IncomingMessage }
  | { readonly kind: 'client-gone' }
  | { readonly kind: 'failed', readonly failure: AttemptFailure }

/** Codes the LB gives failures that are not the upstream's. */
export const lbFailureCodes = Object.freeze({
  /** http.request refused the request headers (node-http-proxy#1679 crashes on this). */
  badRequest: 'STK_BAD_REQUEST'
})

export interface AttemptContext {
  readonly method: string
  readonly bodyBuffered: boolean
  /** 1 for the first attempt of a request. */
  readonly number: number
  readonly connectTimeoutMs: number
}

/**
 * One try of one request on one upstream. It turns http-proxy's events into
 * a single result: the first of a response, a failure or the client leaving
 * settles it, and anything later is ignored or cleaned up. The result goes to
 * a callback, not a promise: a promise per attempt and its tick cost more than
 * the rest of the attempt's own bookkeeping on the hot path.
 */
export class ProxyAttempt {
  readonly startedAt = performance.now()
  private settled = false
  private proxyReq: ClientRequest | undefined
  private connected = false
  private reusedSocket = false
  private timedOut = false
  private uploadBlocked = false
  private abortCode: string | undefined
  private connectTimer: NodeJS.Timeout | undefined

  constructor (
    readonly upstream: Upstream,
    readonly context: AttemptContext,
    /** Called once, possibly from inside http-proxy's or Node's event handlers. */
    private readonly onResult: (attempt: ProxyAttempt, result: AttemptResult) => void
  ) {}

  private settle (result: AttemptResult): void {
    if (this.settled) return
    this.settled = true
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer)
    this.onResult(this, result)
  }

  /** True until the attempt has a result; only then may it be aborted. */
  get pending (): boolean {
    return !this.settled
  }

  /** http-proxy's 'proxyReq' event: the upstream request has a socket. */
  onProxyReq (proxyReq: ClientRequest): void {
    this.proxyReq = proxyReq
    if (this.settled) {
      // The client left (or the attempt was failed) before the socket came.
      proxyReq.destroy()
      return
    }
    this.reusedSocket = proxyReq.reusedSocket
    // http-proxy's proxyTimeout aborts with a plain "socket hang up"; this
    // flag is how a timeout is told apart from a reset.
    proxyReq.once('timeout', () => {
      this.timedOut = true
      // Bytes still queued for the upstream's socket: it stopped reading.
      this.uploadBlocked = proxyReq.writableNeedDrain || (proxyReq.socket?.writableLength ?? 0) > 0
    })
    const socket = proxyReq.socket
    if (socket !== null) readAnswerAfterFailedWrite(socket)
    if (socket?.connecting === true) {
      this.connectTimer = setTimeout(() => {
        this.abort(attemptFailureCodes.connectTimeout, `no connection within ${this.context.connectTimeoutMs} ms`)
      }, this.context.connectTimeoutMs)
      socket.once('connect', () => {
        this.connected = true
        clearTimeout(this.connectTimer)
      })
    } else {
      this.connected = true
    }
  }

  /** The callback given to `proxy.web`: an error on the upstream request before it was settled. */
  onProxyError (error: NodeJS.ErrnoException): void {
    if (this.settled) return
    const code = this.abortCode ?? (this.timedOut ? attemptFailureCodes.upstreamTimeout : error.code ?? 'UNKNOWN')
    // A reused keep-alive socket that breaks before any answer was closed by
    // the upstream while idle: the request did not reach it (Node's http docs,
    // `request.reusedSocket`). An abort of ours says nothing about the upstream.
    const requestSent = this.abortCode !== undefined ? this.connected : this.connected && !this.reusedSocket
    this.settle({ kind: 'failed', failure: { code, message: error.message, connected: this.connected, requestSent, uploadBlocked: this.uploadBlocked } })
  }

  /** http-proxy's 'proxyRes' event. Returns false when the attempt is already settled and does not take it. */
  onResponse (response: IncomingMessage): boolean {
    if (this.settled) {
      response.destroy()
      return false
    }
    this.settle({ kind: 'response', response })
    return true
  }

  /** The client went away: stop talking to the upstream. */
  onClientGone (): void {
    if (this.settled) return
    this.settle(clientGone)
    this.proxyReq?.destroy()
  }

  /**
   * The answer is out and the rest of the client's body will not be sent:
   * an upstream request still being written is dropped (its connection cannot
   * carry another request with a body half sent).
   */
  stopSending (): void {
    if (this.proxyReq !== undefined && !this.proxyReq.writableFinished) this.proxyReq.destroy()
  }

  /** Fails the attempt without the upstream's say, e.g. a connect timeout or a health verdict. */
  abort (code: string, message: string): void {
    if (this.settled) return
    this.abortCode = code
    const error: NodeJS.ErrnoException = Object.assign(new Error(message), { code })
    if (this.proxyReq === undefined) {
      this.onProxyError(error)
    } else {
      // http-proxy hands this error to the attempt's callback, which settles.
      this.proxyReq.destroy(error)
    }
  }

  /** Fails the attempt at once with a failure of the LB's own (no upstream request exists). */
  fail (code: string, message: string): void {
    this.abortCode = code
    this.onProxyError(Object.assign(new Error(message), { code }))
  }
}

const clientGone: AttemptResult = Object.freeze({ kind: 'client-gone' })
