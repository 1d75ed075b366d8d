// Answers to requests so broken that Fastify never sees them (bad HTTP,
// headers too slow or too big). Node hands us the raw socket; the answer keeps
// the node's x-served-by and the error body shape of the contract.
import http from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { WebError, errorTitle, type WebErrorCode } from './errors.js'

export function createClientErrorHandler (nodeName: string) {
  // Fastify binds the handler to the instance, hence `this`.
  return function handleClientError (this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return
    let code: WebErrorCode = 'STK_ERR_WEB_BAD_REQUEST'
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') code = 'STK_ERR_WEB_CLIENT_TIMEOUT'
    else if (err.code === 'HPE_HEADER_OVERFLOW') code = 'STK_ERR_WEB_HEADERS_TOO_LARGE'
    const { statusCode, message } = new WebError(code)
    const error = errorTitle(statusCode)
    const body = JSON.stringify({ statusCode, code, error, message })
    this.log.debug({ code, cause: err.code }, 'client error')
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${statusCode} ${http.STATUS_CODES[statusCode] ?? error}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-served-by: ${nodeName}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`
      )
    }
    socket.destroy()
  }
}
