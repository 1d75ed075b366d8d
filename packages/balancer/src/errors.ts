import createError, { type FastifyError, type FastifyErrorConstructor } from '@fastify/error'

/** An error with a stable `code`: every error in the table below. */
export type CodedError = FastifyError

/** One constructor of the table: its arguments fill the message's util.format placeholders. */
export type CodedErrorClass = FastifyErrorConstructor<{ code: string }>

// Every failure the balancer can report, once, built with @fastify/error as
// fastify's lib/errors.js is. The README lists each code; test/errors.test.ts
// keeps the two in step. The balancer answers no requests; its errors get
// @fastify/error's 500, as a bad option of every other part does.
export const errorCodes = {
  STK_ERR_BALANCER_INVALID_OPTION: createError(
    'STK_ERR_BALANCER_INVALID_OPTION',
    'Invalid balancer option "%s": %s (got %j)',
    500,
    TypeError
  ),
  STK_ERR_BALANCER_INVALID_UPSTREAM: createError(
    'STK_ERR_BALANCER_INVALID_UPSTREAM',
    'Invalid upstream %j: %s',
    500,
    TypeError
  ),
  STK_ERR_BALANCER_DUPLICATE_UPSTREAM: createError(
    'STK_ERR_BALANCER_DUPLICATE_UPSTREAM',
    'Upstream "%s" is already in the set',
    500
  ),
  STK_ERR_RETRY_INVALID_OPTION: createError(
    'STK_ERR_RETRY_INVALID_OPTION',
    'Invalid retry policy option "%s": %s (got %j)',
    500,
    TypeError
  )
} as const

export type ErrorCode = keyof typeof errorCodes
