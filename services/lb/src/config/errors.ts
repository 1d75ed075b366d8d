import createError, { type FastifyError, type FastifyErrorConstructor } from '@fastify/error'

/** An error with a stable `code` and the HTTP status it maps to: every error in the table below. */
export type LbError = FastifyError & { readonly statusCode: number }

/** One constructor of the table: its arguments fill the message's util.format placeholders. */
export type LbErrorClass = FastifyErrorConstructor<{ code: string, statusCode: number }>

// Every failure the LB reports, once, built with @fastify/error as fastify's
// lib/errors.js is: start-up errors that stop the process, and the answers it
// gives clients when it cannot forward a request. The README lists each code;
// test/errors.test.ts keeps the two in step.
export const errorCodes = {
  STK_ERR_LB_INVALID_OPTION: createError(
    'STK_ERR_LB_INVALID_OPTION',
    'Invalid load balancer option "%s": %s (got %j)',
    500,
    TypeError
  ),
  STK_ERR_LB_INVALID_ENV: createError(
    'STK_ERR_LB_INVALID_ENV',
    'Invalid environment variable %s: %s (got %j)',
    500,
    TypeError
  ),
  STK_ERR_LB_INVALID_BACKEND: createError(
    'STK_ERR_LB_INVALID_BACKEND',
    'Invalid backend %j: %s',
    500,
    TypeError
  ),
  STK_ERR_LB_BAD_REQUEST: createError(
    'STK_ERR_LB_BAD_REQUEST',
    'The request cannot be forwarded: %s',
    400
  ),
  STK_ERR_LB_MALFORMED_REQUEST: createError(
    'STK_ERR_LB_MALFORMED_REQUEST',
    'The request is not valid HTTP/1.1',
    400
  ),
  STK_ERR_LB_REQUEST_TIMEOUT: createError(
    'STK_ERR_LB_REQUEST_TIMEOUT',
    'The request headers did not arrive in time',
    408
  ),
  STK_ERR_LB_BODY_TIMEOUT: createError(
    'STK_ERR_LB_BODY_TIMEOUT',
    'The request body stopped arriving for %d ms',
    408
  ),
  STK_ERR_LB_HEADERS_TOO_LARGE: createError(
    'STK_ERR_LB_HEADERS_TOO_LARGE',
    'The request headers are too large',
    431
  ),
  STK_ERR_LB_PAYLOAD_TOO_LARGE: createError(
    'STK_ERR_LB_PAYLOAD_TOO_LARGE',
    'The request body is larger than %d bytes',
    413
  ),
  STK_ERR_LB_BAD_GATEWAY: createError(
    'STK_ERR_LB_BAD_GATEWAY',
    'The backend %s failed to answer (%s)',
    502
  ),
  STK_ERR_LB_NO_HEALTHY_BACKEND: createError(
    'STK_ERR_LB_NO_HEALTHY_BACKEND',
    'No healthy backend is available to serve this request; try again shortly',
    503
  ),
  STK_ERR_LB_SHUTTING_DOWN: createError(
    'STK_ERR_LB_SHUTTING_DOWN',
    'The load balancer is shutting down and takes no new WebSocket connections; reconnect shortly',
    503
  ),
  STK_ERR_LB_TOO_MANY_UPGRADES: createError(
    'STK_ERR_LB_TOO_MANY_UPGRADES',
    'The load balancer holds its limit of %d WebSocket connections; reconnect shortly',
    503
  ),
  STK_ERR_LB_UPSTREAM_TIMEOUT: createError(
    'STK_ERR_LB_UPSTREAM_TIMEOUT',
    'The backend %s did not answer within %d ms',
    504
  ),
  STK_ERR_LB_NOT_FOUND: createError(
    'STK_ERR_LB_NOT_FOUND',
    'No admin route %s %s; try GET /status, /status.json or /metrics',
    404
  ),
  STK_ERR_LB_INTERNAL: createError(
    'STK_ERR_LB_INTERNAL',
    'The load balancer failed while handling this request',
    500
  )
} as const

export type LbErrorCode = keyof typeof errorCodes
