// Every failure the store can report is made here, once, with a stable code,
// the way fastify's lib/errors.js does it: one table of @fastify/error
// constructors. test/unit/errors.test.ts checks that each code is documented in the
// package README.
import createError from '@fastify/error'

/** What every store error carries. */
export interface StoreErrorInfo {
  readonly code: string
  readonly message: string
  readonly statusCode: number
}

/**
 * The class every store error is an instance of: each code's constructor in
 * `errorCodes` inherits from it (@fastify/error links the prototypes and never
 * calls this constructor). `new StoreError(code, detail)` is kept for callers
 * that build one by code: it hands back that code's error, and the Error
 * `super()` made is dropped.
 */
export class StoreError extends Error implements StoreErrorInfo {
  declare readonly code: ErrorCode
  declare readonly statusCode: number

  constructor (code: ErrorCode, detail: string, options?: { cause?: unknown }) {
    super()
    return storeError(code, detail, options?.cause)
  }
}

// @fastify/error types its Base as a plain ErrorConstructor.
const Base = StoreError as unknown as ErrorConstructor

// The message a user sees is `<what failed>: <detail>`.
export const errorCodes = {
  STK_ERR_INVALID_OPTION: createError('STK_ERR_INVALID_OPTION', 'Invalid store option: %s', 500, Base),
  STK_ERR_INVALID_SERVER_STRING: createError('STK_ERR_INVALID_SERVER_STRING', 'Invalid memcached server string: %s', 500, Base),
  STK_ERR_INVALID_KEY: createError('STK_ERR_INVALID_KEY', 'Invalid memcached key: %s', 400, Base),
  STK_ERR_VALUE_TOO_LARGE: createError('STK_ERR_VALUE_TOO_LARGE', 'Session value is larger than the server item size: %s', 413, Base),
  STK_ERR_STORE_TIMEOUT: createError('STK_ERR_STORE_TIMEOUT', 'memcached command timed out: %s', 503, Base),
  STK_ERR_SERVER_FAILED: createError('STK_ERR_SERVER_FAILED', 'memcached server failed: %s', 503, Base),
  STK_ERR_ITEM_REFUSED: createError('STK_ERR_ITEM_REFUSED', 'memcached refused the item (out of memory or too large): %s', 503, Base),
  STK_ERR_STORE_UNAVAILABLE: createError('STK_ERR_STORE_UNAVAILABLE', 'No memcached replica is available: %s', 503, Base),
  STK_ERR_WRITE_CONCERN: createError('STK_ERR_WRITE_CONCERN', 'Too few replicas acknowledged the write: %s', 503, Base),
  STK_ERR_CONFLICT: createError('STK_ERR_CONFLICT', 'Concurrent updates kept conflicting: %s', 503, Base),
  STK_ERR_CLOSED: createError('STK_ERR_CLOSED', 'The store is closed: %s', 503, Base),
  STK_ERR_SESSION_DESTROYED: createError('STK_ERR_SESSION_DESTROYED', 'The session was destroyed; a destroyed id cannot be saved again: %s', 409, Base),
  STK_ERR_AUTH_FAILED: createError('STK_ERR_AUTH_FAILED', 'memcached refused the username or password: %s', 503, Base),
  STK_ERR_TLS: createError('STK_ERR_TLS', 'TLS to memcached failed (certificate not trusted, wrong server name, or no TLS on the server): %s', 503, Base),
  STK_ERR_EXPRESS_SESSION_MISSING: createError('STK_ERR_EXPRESS_SESSION_MISSING', 'express-session could not be found to build its Session object: %s', 500, Base)
} as const

export type ErrorCode = keyof typeof errorCodes

export function storeError (code: ErrorCode, detail: string, cause?: unknown): StoreError {
  const ErrorOfCode = errorCodes[code]
  return cause === undefined ? new ErrorOfCode(detail) : new ErrorOfCode(detail, { cause })
}

// The 503 family: every code above whose status is 503 (test/unit/errors.test.ts
// holds the two in step).
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

function codeOf (err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined
}

/**
 * True for errors that mean "the session service is unavailable" (HTTP 503),
 * as opposed to bad input. Matched by code, not by instanceof, so an app that
 * ends up with two copies of this package still sees every outage.
 */
export function isStoreUnavailable (err: unknown): boolean {
  const code = codeOf(err)
  return typeof code === 'string' && UNAVAILABLE_CODES.has(code)
}

/** True when a server, alive, refused one item for want of memory: that key is missing there, nothing more. */
export function isItemRefused (err: unknown): boolean {
  return codeOf(err) === 'STK_ERR_ITEM_REFUSED'
}
