// Each body-carrying route accepts exactly one content type (415 otherwise).
// For the JSON API this is also its CSRF defence: a cross-site form cannot
// send application/json without a CORS preflight, which we never grant.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { WebError } from './errors.js'

function mediaType (request: FastifyRequest): string {
  const header = request.headers['content-type']
  return (typeof header === 'string' ? header.split(';', 1)[0] ?? '' : '').trim().toLowerCase()
}

export function requireJson (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  done(mediaType(request) === 'application/json' ? undefined : new WebError('STK_ERR_WEB_UNSUPPORTED_MEDIA_TYPE', 'This route accepts application/json only'))
}

export function requireForm (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  done(mediaType(request) === 'application/x-www-form-urlencoded' ? undefined : new WebError('STK_ERR_WEB_UNSUPPORTED_MEDIA_TYPE', 'This route accepts application/x-www-form-urlencoded only'))
}

/**
 * For a JSON route that needs no body (POST /api/logout-everywhere): no body
 * at all, or JSON. A cross-site form (urlencoded, multipart, text/plain) is
 * refused, on top of the SameSite=Lax cookie that such a form would not carry.
 */
export function requireJsonOrEmpty (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const type = mediaType(request)
  if (type === '' && (request.headers['content-length'] ?? '0') === '0' && request.headers['transfer-encoding'] === undefined) {
    done()
    return
  }
  requireJson(request, reply, done)
}
