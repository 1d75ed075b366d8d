// One login attempt, shared by the HTML form and the JSON API.
//
// Limiting policy (the contract: count failures only; after 10 for one user or
// one address in 15 minutes further attempts get 429; successful logins are
// never limited). The password is checked first, always:
//   - right password: signed in, whatever the counters say;
//   - wrong password: counted, then 401, or 429 once past the limit.
// The alternative (refuse with 429 before checking) would let anyone lock a
// user out by typing wrong passwords for them, and would break "successful
// logins are never limited". The price: while limited, a right guess still
// gets in, so the limit marks and meters an attack rather than stopping it.
import type { FastifyRequest } from 'fastify'
import type { LoginInput } from './login-input.js'
import type { LoginLimiter } from './login-limiter.js'
import { verifyPassword } from './password-hashes.js'
import { hasStoredSession, isHttps } from '../session-cookie.js'
import type { WebMetrics } from '../metrics.js'
import type { SessionLogId } from '../session-log-id.js'
import type { WebConfig } from '../config.js'
import { summarizeUserAgent } from '../user-agent-summary.js'

export type LoginResult =
  | { readonly outcome: 'success', readonly user: string }
  | { readonly outcome: 'wrong' }
  | { readonly outcome: 'limited' }

export interface LoginDependencies {
  readonly limiter: LoginLimiter
  readonly metrics: WebMetrics
  readonly sessionLogId: SessionLogId
  readonly config: Pick<WebConfig, 'nodeName'>
}

/**
 * Signs the request in as user under a session id never used before. A
 * stored pre-login session is regenerated: the old id is destroyed on every
 * replica (session fixation). A fresh one was minted by this very request,
 * so it already is a new id and needs no extra round trip.
 */
async function establishSession (request: FastifyRequest, user: string, nodeName: string): Promise<void> {
  if (hasStoredSession(request)) await request.session.regenerate()
  const session = request.session
  const now = Date.now()
  session.cookie.secure = isHttps(request)
  session.user = user
  session.createdAt = now
  session.hops = []
  session.cart = []
  session.userAgent = summarizeUserAgent(request.headers['user-agent'])
  session.lastSeen = { node: nodeName, at: new Date(now).toISOString() }
}

export async function attemptLogin (request: FastifyRequest, input: LoginInput, deps: LoginDependencies): Promise<LoginResult> {
  const { limiter, metrics, sessionLogId } = deps
  if (await verifyPassword(input.username, input.password)) {
    await establishSession(request, input.username, deps.config.nodeName)
    metrics.loginAttempts.inc({ outcome: 'success' })
    request.log.info({ user: input.username, session: sessionLogId(request.session.sessionId) }, 'login succeeded')
    return { outcome: 'success', user: input.username }
  }
  const verdict = await limiter.recordFailure(input.username, request.ip)
  if (verdict.limited) {
    metrics.loginAttempts.inc({ outcome: 'limited' })
    request.log.warn({ user: input.username, address: request.ip, userFailures: verdict.userFailures, addressFailures: verdict.addressFailures }, 'login limited')
    return { outcome: 'limited' }
  }
  metrics.loginAttempts.inc({ outcome: 'wrong' })
  request.log.info({ user: input.username, address: request.ip }, 'login failed')
  return { outcome: 'wrong' }
}
