// One table of every failure the web node can answer with, in the spirit of
// fastify's lib/errors.js: each has a stable code, an HTTP status and a message
// that is safe to show to a user. README.md documents every code (a test checks).

export interface WebErrorDefinition {
  readonly statusCode: number
  readonly error: string
  readonly message: string
}

export const webErrors = {
  STK_ERR_WEB_BAD_REQUEST: { statusCode: 400, error: 'Bad Request', message: 'The request could not be understood' },
  STK_ERR_WEB_INVALID_LOGIN: { statusCode: 400, error: 'Bad Request', message: 'A login needs a username (1 to 64 characters, no control characters) and a password (1 to 1024 characters)' },
  STK_ERR_WEB_INVALID_CART_ITEM: { statusCode: 400, error: 'Bad Request', message: 'A cart item is 1 to 100 printable characters, sent as {"item": "..."}' },
  STK_ERR_WEB_UNAUTHENTICATED: { statusCode: 401, error: 'Unauthorized', message: 'You are not signed in' },
  STK_ERR_WEB_WRONG_CREDENTIALS: { statusCode: 401, error: 'Unauthorized', message: 'Wrong username or password' },
  STK_ERR_WEB_CSRF: { statusCode: 403, error: 'Forbidden', message: 'The form has expired or did not come from this site; reload the page and try again' },
  STK_ERR_WEB_NOT_FOUND: { statusCode: 404, error: 'Not Found', message: 'There is nothing at this address' },
  STK_ERR_WEB_CLIENT_TIMEOUT: { statusCode: 408, error: 'Request Timeout', message: 'The request took too long to arrive' },
  STK_ERR_WEB_CART_FULL: { statusCode: 409, error: 'Conflict', message: 'The cart is full (100 items)' },
  STK_ERR_WEB_PAYLOAD_TOO_LARGE: { statusCode: 413, error: 'Payload Too Large', message: 'The request body is too large' },
  STK_ERR_WEB_SESSION_TOO_LARGE: { statusCode: 413, error: 'Payload Too Large', message: 'The session has grown too large to store' },
  STK_ERR_WEB_UNSUPPORTED_MEDIA_TYPE: { statusCode: 415, error: 'Unsupported Media Type', message: 'This route does not accept that content type' },
  STK_ERR_WEB_TOO_MANY_LOGIN_ATTEMPTS: { statusCode: 429, error: 'Too Many Requests', message: 'Too many failed logins; try again later' },
  STK_ERR_WEB_HEADERS_TOO_LARGE: { statusCode: 431, error: 'Request Header Fields Too Large', message: 'The request headers are too large' },
  STK_ERR_WEB_INTERNAL: { statusCode: 500, error: 'Internal Server Error', message: 'Something went wrong on our side' },
  STK_ERR_WEB_SESSION_UNAVAILABLE: { statusCode: 503, error: 'Service Unavailable', message: 'The session service is unavailable; please try again in a moment' },
  STK_ERR_WEB_INVALID_OPTION: { statusCode: 500, error: 'Internal Server Error', message: 'Invalid configuration' }
} as const satisfies Record<string, WebErrorDefinition>

export type WebErrorCode = keyof typeof webErrors

/** An error the error handler can answer with as is: a code from the table and its status. */
export class WebError extends Error {
  readonly code: WebErrorCode
  readonly statusCode: number

  constructor (code: WebErrorCode, message?: string, options?: ErrorOptions) {
    super(message ?? webErrors[code].message, options)
    this.name = 'WebError'
    this.code = code
    this.statusCode = webErrors[code].statusCode
  }
}

export function isWebError (err: unknown): err is WebError {
  return err instanceof WebError
}
