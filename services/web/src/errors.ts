// One table of every failure the web node can answer with, built with
// @fastify/error as fastify's lib/errors.js is: each has a stable code, an HTTP
// status and a message that is safe to show to a user. README.md documents
// every code with its status (a test checks).
import { STATUS_CODES } from 'node:http'
import createError from '@fastify/error'

/**
 * The class every web error is an instance of: each code's constructor in
 * `errorCodes` inherits from it (@fastify/error links the prototypes and never
 * calls this constructor). `new WebError(code, message?)` is how the routes
 * raise one: it hands back that code's error, with the table's message unless
 * another is given, and the Error `super()` made is dropped.
 */
export class WebError extends Error {
  declare readonly code: WebErrorCode
  declare readonly statusCode: number

  constructor (code: WebErrorCode, message?: string, options?: { cause?: unknown }) {
    super()
    const ErrorOfCode = errorCodes[code]
    const error: WebError = options === undefined ? new ErrorOfCode() : new ErrorOfCode({ cause: options.cause })
    // A route's own wording replaces the table's (the stack keeps the table's).
    if (message !== undefined) error.message = message
    return error
  }
}

// @fastify/error types its Base as a plain ErrorConstructor.
const Base = WebError as unknown as ErrorConstructor

export const errorCodes = {
  STK_ERR_WEB_BAD_REQUEST: createError('STK_ERR_WEB_BAD_REQUEST', 'The request could not be understood', 400, Base),
  STK_ERR_WEB_INVALID_LOGIN: createError('STK_ERR_WEB_INVALID_LOGIN', 'A login needs a username (1 to 64 characters, no control characters) and a password (1 to 1024 characters)', 400, Base),
  STK_ERR_WEB_INVALID_CART_ITEM: createError('STK_ERR_WEB_INVALID_CART_ITEM', 'A cart item is 1 to 100 printable characters, sent as {"item": "..."}', 400, Base),
  STK_ERR_WEB_UNAUTHENTICATED: createError('STK_ERR_WEB_UNAUTHENTICATED', 'You are not signed in', 401, Base),
  STK_ERR_WEB_WRONG_CREDENTIALS: createError('STK_ERR_WEB_WRONG_CREDENTIALS', 'Wrong username or password', 401, Base),
  STK_ERR_WEB_CSRF: createError('STK_ERR_WEB_CSRF', 'The form has expired or did not come from this site; reload the page and try again', 403, Base),
  STK_ERR_WEB_LIVE_MESSAGE: createError('STK_ERR_WEB_LIVE_MESSAGE', 'The live channel takes one kind of message: {"type":"ping"}', 400, Base),
  STK_ERR_WEB_FOREIGN_ORIGIN: createError('STK_ERR_WEB_FOREIGN_ORIGIN', 'The live channel only opens from pages of this site', 403, Base),
  STK_ERR_WEB_NOT_FOUND: createError('STK_ERR_WEB_NOT_FOUND', 'There is nothing at this address', 404, Base),
  STK_ERR_WEB_SESSION_NOT_FOUND: createError('STK_ERR_WEB_SESSION_NOT_FOUND', 'None of your sessions has this handle', 404, Base),
  STK_ERR_WEB_CLIENT_TIMEOUT: createError('STK_ERR_WEB_CLIENT_TIMEOUT', 'The request took too long to arrive', 408, Base),
  STK_ERR_WEB_CART_FULL: createError('STK_ERR_WEB_CART_FULL', 'The cart is full (100 items)', 409, Base),
  STK_ERR_WEB_PAYLOAD_TOO_LARGE: createError('STK_ERR_WEB_PAYLOAD_TOO_LARGE', 'The request body is too large', 413, Base),
  STK_ERR_WEB_SESSION_TOO_LARGE: createError('STK_ERR_WEB_SESSION_TOO_LARGE', 'The session has grown too large to store', 413, Base),
  STK_ERR_WEB_UNSUPPORTED_MEDIA_TYPE: createError('STK_ERR_WEB_UNSUPPORTED_MEDIA_TYPE', 'This route does not accept that content type', 415, Base),
  STK_ERR_WEB_UPGRADE_REQUIRED: createError('STK_ERR_WEB_UPGRADE_REQUIRED', 'This address is a WebSocket: open it with an upgrade', 426, Base),
  STK_ERR_WEB_TOO_MANY_LOGIN_ATTEMPTS: createError('STK_ERR_WEB_TOO_MANY_LOGIN_ATTEMPTS', 'Too many failed logins; try again later', 429, Base),
  STK_ERR_WEB_HEADERS_TOO_LARGE: createError('STK_ERR_WEB_HEADERS_TOO_LARGE', 'The request headers are too large', 431, Base),
  STK_ERR_WEB_INTERNAL: createError('STK_ERR_WEB_INTERNAL', 'Something went wrong on our side', 500, Base),
  STK_ERR_WEB_SESSION_UNAVAILABLE: createError('STK_ERR_WEB_SESSION_UNAVAILABLE', 'The session service is unavailable; please try again in a moment', 503, Base),
  STK_ERR_WEB_INVALID_OPTION: createError('STK_ERR_WEB_INVALID_OPTION', 'Invalid configuration', 500, Base)
} as const

export type WebErrorCode = keyof typeof errorCodes

export function isWebError (err: unknown): err is WebError {
  return err instanceof WebError
}

/** The `error` of an answer's body: the status's reason phrase, as fastify gives it. */
export function errorTitle (statusCode: number): string {
  return STATUS_CODES[statusCode] ?? 'Error'
}
