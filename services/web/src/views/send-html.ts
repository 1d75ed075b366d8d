// Sends a rendered page with the headers every HTML response gets: a strict
// CSP whose per-response nonce is the only way a script runs, and no framing.
import { randomBytes } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import type { SafeHtml } from './html.js'

export function sendHtml (reply: FastifyReply, statusCode: number, build: (nonce: string) => SafeHtml): FastifyReply {
  const nonce = randomBytes(16).toString('base64')
  return reply
    .code(statusCode)
    .type('text/html; charset=utf-8')
    .header('content-security-policy',
      // Inline style attributes carry the node colours; scripts need the nonce.
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; ` +
      "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin')
    .send(build(nonce).value)
}
