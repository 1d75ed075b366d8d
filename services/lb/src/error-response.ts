import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { LbError } from './coded-error.js'

/** The JSON error body, shaped like the web nodes' (`{ statusCode, code, error, message }`). */
export interface ErrorBody {
  readonly statusCode: number
  readonly code: string
  readonly error: string
  readonly message: string
  readonly requestId: string
}

/** JSON for API clients (an /api/ path, or an Accept that prefers JSON); plain text for everyone else. */
export function wantsJson (req: IncomingMessage): boolean {
  if (req.url?.startsWith('/api/') === true) return true
  const accept = req.headers.accept ?? ''
  return accept.includes('application/json') && !accept.includes('text/html')
}

/**
 * Answers with an LB error, or, when the response has already started (so a
 * status can no longer be sent), cuts the connection so the client sees a
 * failure rather than a truncated body that looks complete.
 */
export function sendError (req: IncomingMessage, res: ServerResponse, error: LbError, requestId: string, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  if (res.destroyed || res.writableEnded) return
  const body: ErrorBody = {
    statusCode: error.statusCode,
    code: error.code,
    error: STATUS_CODES[error.statusCode] ?? 'Error',
    message: error.message,
    requestId
  }
  const json = wantsJson(req)
  const payload = json
    ? JSON.stringify(body)
    : `${body.statusCode} ${body.error}: ${body.message}.\n(code ${body.code}, request id ${requestId})\n`
  // Headers an upstream attempt may have set on `res` are not ours to send.
  for (const name of res.getHeaderNames()) {
    if (name !== 'connection') res.removeHeader(name)
  }
  res.writeHead(error.statusCode, {
    'content-type': json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    'x-request-id': requestId,
    ...(error.statusCode === 503 ? { 'retry-after': '1' } : {}),
    ...extraHeaders
  })
  res.end(req.method === 'HEAD' ? undefined : payload)
}
