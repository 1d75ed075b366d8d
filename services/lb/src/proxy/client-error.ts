import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { errorCodes, type LbErrorCode } from '../config/errors.js'

/**
 * The servers' 'clientError' listener: a request Node could not parse, or a
 * client too slow with its headers or body (slowloris). Answers with the
 * status Node's default would, and the same JSON error body as every other
 * error (the path is unknown here, so JSON, as for /api/*); a socket that is
 * already gone is just destroyed.
 */
export function createClientErrorHandler (logger: Logger): (error: NodeJS.ErrnoException, socket: Duplex) => void {
  return function onClientError (error, socket) {
    logger.debug({ code: error.code, err: error }, 'client error')
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const code: LbErrorCode = error.code === 'HPE_HEADER_OVERFLOW'
      ? 'STK_ERR_LB_HEADERS_TOO_LARGE'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'STK_ERR_LB_REQUEST_TIMEOUT'
        : 'STK_ERR_LB_MALFORMED_REQUEST'
    const answer = new errorCodes[code]()
    const status = answer.statusCode
    const body = JSON.stringify({ statusCode: status, code, error: STATUS_CODES[status] ?? 'Error', message: answer.message })
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  }
}
