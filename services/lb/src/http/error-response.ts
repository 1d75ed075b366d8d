import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { LbError } from '../config/errors.js'

/** The JSON error body, shaped like the web nodes' (`{ statusCode, code, error, message }`). */
export interface ErrorBody {
  readonly statusCode: number
  readonly code: string
  readonly error: string
  readonly message: string
  readonly requestId: string
}

/** JSON for API clients (an /api/ path, or an Accept that prefers JSON); an HTML page for everyone else, as the web nodes do. */
export function wantsJson (req: IncomingMessage): boolean {
  if (req.url?.startsWith('/api/') === true) return true
  const accept = req.headers.accept ?? ''
  return accept.includes('application/json') && !accept.includes('text/html')
}

/**
 * Answers with an LB error, or, when the response has already started (its
 * status is out and cannot be replaced), cuts the connection so the client
 * sees a failure rather than a truncated body that looks complete.
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
  const payload = json ? JSON.stringify(body) : htmlPage(body)
  // Headers an upstream attempt may have set on `res` are not ours to send.
  for (const name of res.getHeaderNames()) {
    if (name !== 'connection') res.removeHeader(name)
  }
  res.writeHead(error.statusCode, {
    'content-type': json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    'x-request-id': requestId,
    ...(error.statusCode === 503 ? { 'retry-after': '1' } : {}),
    ...extraHeaders
  })
  res.end(req.method === 'HEAD' ? undefined : payload)
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)
}

/**
 * The page a browser gets: a browser that posts a too-large form to /login,
 * or meets a cluster with no healthy node, sees a page like the nodes' error
 * pages (the contract: errors are JSON under /api/ and an HTML page elsewhere),
 * not a line of text. No scripts, no external assets.
 */
function htmlPage (body: ErrorBody): string {
  const title = `${body.statusCode} ${escapeHtml(body.error)}`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · stickless</title></head>
<body style="font: 15px/1.5 system-ui, sans-serif; color: #1b2333; background: #f3f5fa; margin: 0">
<main style="max-width: 560px; margin: 64px auto; padding: 24px 28px; background: #fff; border: 1px solid #e4e8f0; border-radius: 14px">
<h1 style="margin: 0 0 12px; font-size: 22px">${title}</h1>
<p>${escapeHtml(body.message)}.</p>
<p style="color: #667085; font-size: 13px">Answered by the load balancer · code <code>${escapeHtml(body.code)}</code> · request id <code>${escapeHtml(body.requestId)}</code></p>
</main>
</body></html>
`
}
