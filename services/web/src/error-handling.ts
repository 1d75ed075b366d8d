// Every error becomes one of the coded answers in errors.ts: JSON
// {statusCode, code, error, message} under /api/* (and the JSON-only health
// routes), an HTML page elsewhere. Never a stack trace, never a 500 for a
// store outage (that is a 503 the client can retry).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isStoreUnavailable } from '@stickless/memcached-store'
import { WebError, errorTitle, isWebError, type WebErrorCode } from './errors.js'
import { isSessionDestroyed, isValueTooLarge } from './session-store.js'
import { SESSION_COOKIE_NAME } from './session-cookie.js'
import { errorPage } from './views/error-page.js'
import { sendHtml } from './views/send-html.js'

// Fastify's and plugins' own codes, mapped onto ours.
const FOREIGN_CODES: Record<string, WebErrorCode> = {
  FST_CSRF_MISSING_SECRET: 'STK_ERR_WEB_CSRF',
  FST_CSRF_INVALID_TOKEN: 'STK_ERR_WEB_CSRF',
  FST_ERR_CTP_BODY_TOO_LARGE: 'STK_ERR_WEB_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'STK_ERR_WEB_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'STK_ERR_WEB_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'STK_ERR_WEB_BAD_REQUEST',
  FST_ERR_BAD_URL: 'STK_ERR_WEB_BAD_REQUEST',
  FST_ERR_NOT_FOUND: 'STK_ERR_WEB_NOT_FOUND'
}

/** The coded answer for any error thrown while handling a request. */
export function toWebError (err: unknown): WebError {
  if (isWebError(err)) return err
  if (isStoreUnavailable(err)) return new WebError('STK_ERR_WEB_SESSION_UNAVAILABLE', undefined, { cause: err })
  if (isValueTooLarge(err)) return new WebError('STK_ERR_WEB_SESSION_TOO_LARGE', undefined, { cause: err })
  if (isSessionDestroyed(err)) return new WebError('STK_ERR_WEB_UNAUTHENTICATED', undefined, { cause: err })
  const { code, statusCode } = (err ?? {}) as Partial<FastifyError>
  const mapped = typeof code === 'string' ? FOREIGN_CODES[code] : undefined
  if (mapped !== undefined) return new WebError(mapped, undefined, { cause: err })
  if (statusCode === 413) return new WebError('STK_ERR_WEB_PAYLOAD_TOO_LARGE', undefined, { cause: err })
  if (statusCode === 415) return new WebError('STK_ERR_WEB_UNSUPPORTED_MEDIA_TYPE', undefined, { cause: err })
  // Any other client error: bad JSON, __proto__ payloads, schema failures...
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return new WebError('STK_ERR_WEB_BAD_REQUEST', undefined, { cause: err })
  }
  return new WebError('STK_ERR_WEB_INTERNAL', undefined, { cause: err })
}

/** JSON answers for the API and the machine routes, HTML for the pages. */
export function wantsJson (request: FastifyRequest): boolean {
  const path = request.url.split('?', 1)[0] ?? ''
  return path === '/api' || path.startsWith('/api/') || path === '/healthz' || path === '/metrics'
}

export function sendWebError (request: FastifyRequest, reply: FastifyReply, error: WebError, nodeName: string): FastifyReply {
  const { statusCode, code, message } = error
  const title = errorTitle(statusCode)
  if (wantsJson(request)) {
    return reply.code(statusCode).type('application/json; charset=utf-8').send({ statusCode, code, error: title, message })
  }
  return sendHtml(reply, statusCode, (nonce) => errorPage({ nonce, nodeName, statusCode, title, message, code }))
}

/**
 * Fastify answers a few broken requests (undecodable URLs, over-long
 * parameters) before any route or hook runs; this gives them our format and
 * headers too.
 */
export function createFrameworkErrorHandler (nodeName: string) {
  return function handleFrameworkError (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    reply.header('x-served-by', nodeName).header('cache-control', 'no-store')
    void sendWebError(request, reply, toWebError(err), nodeName)
  }
}

export function installErrorHandling (app: FastifyInstance, nodeName: string): void {
  app.setErrorHandler(function handleError (err: unknown, request: FastifyRequest, reply: FastifyReply) {
    const error = toWebError(err)
    if (error.code === 'STK_ERR_WEB_INTERNAL') {
      request.log.error({ err }, 'request failed')
    } else if (error.statusCode >= 500) {
      request.log.warn({ err, code: error.code }, 'session store unavailable')
    } else {
      request.log.info({ code: error.code, cause: (err as Error | undefined)?.message }, 'request rejected')
    }
    if (error.statusCode >= 500 || isSessionDestroyed(err)) {
      // Saving the session again on the way out would only fail again (and
      // fail this response with it); nothing of a failed request is kept.
      (request as { session: unknown }).session = null
    }
    if (isSessionDestroyed(err)) reply.clearCookie(SESSION_COOKIE_NAME, { path: '/' })
    return sendWebError(request, reply, error, nodeName)
  })

  app.setNotFoundHandler(function handleNotFound (request: FastifyRequest, reply: FastifyReply) {
    return sendWebError(request, reply, new WebError('STK_ERR_WEB_NOT_FOUND'), nodeName)
  })
}
