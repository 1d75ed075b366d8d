import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'

/**
 * The servers' 'clientError' listener: a request Node could not parse, or a
 * client too slow with its headers or body (slowloris). Answers what Node's
 * default would, without a crash and with a log line; a socket that is
 * already gone is just destroyed.
 */
export function createClientErrorHandler (logger: Logger): (error: NodeJS.ErrnoException, socket: Duplex) => void {
  return function onClientError (error, socket) {
    logger.debug({ code: error.code, err: error }, 'client error')
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : 400
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  }
}
