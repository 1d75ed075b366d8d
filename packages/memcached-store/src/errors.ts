// Every failure the store can report is made here, once, with a stable code,
// the way fastify's lib/errors.js does it. test/errors.test.ts checks that each
// code is documented in the package README.

export interface StoreErrorInfo {
  readonly code: string
  readonly message: string
  readonly statusCode: number
}

export class StoreError extends Error {
  readonly code: string
  readonly statusCode: number
  constructor (info: StoreErrorInfo, detail: string, options?: { cause?: unknown }) {
    super(`${info.message}: ${detail}`, options)
    this.name = 'StoreError'
    this.code = info.code
    this.statusCode = info.statusCode
  }
}

function define (code: string, message: string, statusCode: number): StoreErrorInfo {
  return Object.freeze({ code, message, statusCode })
}

export const errorCodes = Object.freeze({
  STK_ERR_INVALID_OPTION: define('STK_ERR_INVALID_OPTION', 'Invalid store option', 500),
  STK_ERR_INVALID_SERVER_STRING: define('STK_ERR_INVALID_SERVER_STRING', 'Invalid memcached server string', 500),
  STK_ERR_INVALID_KEY: define('STK_ERR_INVALID_KEY', 'Invalid memcached key', 400),
  STK_ERR_VALUE_TOO_LARGE: define('STK_ERR_VALUE_TOO_LARGE', 'Session value is larger than the server item size', 413),
  STK_ERR_STORE_TIMEOUT: define('STK_ERR_STORE_TIMEOUT', 'memcached command timed out', 503),
  STK_ERR_SERVER_FAILED: define('STK_ERR_SERVER_FAILED', 'memcached server failed', 503),
  STK_ERR_ITEM_REFUSED: define('STK_ERR_ITEM_REFUSED', 'memcached refused the item (out of memory or too large)', 503),
  STK_ERR_STORE_UNAVAILABLE: define('STK_ERR_STORE_UNAVAILABLE', 'No memcached replica is available', 503),
  STK_ERR_WRITE_CONCERN: define('STK_ERR_WRITE_CONCERN', 'Too few replicas acknowledged the write', 503),
  STK_ERR_CONFLICT: define('STK_ERR_CONFLICT', 'Concurrent updates kept conflicting', 503),
  STK_ERR_CLOSED: define('STK_ERR_CLOSED', 'The store is closed', 503),
  STK_ERR_SESSION_DESTROYED: define('STK_ERR_SESSION_DESTROYED', 'The session was destroyed; a destroyed id cannot be saved again', 409),
  STK_ERR_AUTH_FAILED: define('STK_ERR_AUTH_FAILED', 'memcached refused the username or password', 503),
  STK_ERR_TLS: define('STK_ERR_TLS', 'TLS to memcached failed (certificate not trusted, wrong server name, or no TLS on the server)', 503),
  STK_ERR_EXPRESS_SESSION_MISSING: define('STK_ERR_EXPRESS_SESSION_MISSING', 'express-session could not be found to build its Session object', 500)
})

export type ErrorCode = keyof typeof errorCodes

export function storeError (code: ErrorCode, detail: string, cause?: unknown): StoreError {
  return new StoreError(errorCodes[code], detail, cause === undefined ? undefined : { cause })
}

const UNAVAILABLE_CODES = new Set<string>([
  'STK_ERR_STORE_TIMEOUT',
  'STK_ERR_SERVER_FAILED',
  'STK_ERR_ITEM_REFUSED',
  'STK_ERR_STORE_UNAVAILABLE',
  'STK_ERR_WRITE_CONCERN',
  'STK_ERR_CONFLICT',
  'STK_ERR_CLOSED',
  'STK_ERR_AUTH_FAILED',
  'STK_ERR_TLS'
])

/** True for errors that mean "the session service is unavailable" (HTTP 503), as opposed to bad input. */
export function isStoreUnavailable (err: unknown): boolean {
  return err instanceof StoreError && UNAVAILABLE_CODES.has(err.code)
}

/** True when a server, alive, refused one item for want of memory: that key is missing there, nothing more. */
export function isItemRefused (err: unknown): boolean {
  return err instanceof StoreError && err.code === 'STK_ERR_ITEM_REFUSED'
}
