import { createError } from './coded-error.js'

// Every failure the balancer can report, once. The README lists each code;
// test/errors.test.ts keeps the two in step.
export const errors = {
  STK_ERR_BALANCER_INVALID_OPTION: createError(
    'STK_ERR_BALANCER_INVALID_OPTION',
    'Invalid balancer option "%s": %s (got %j)',
    TypeError
  ),
  STK_ERR_BALANCER_INVALID_UPSTREAM: createError(
    'STK_ERR_BALANCER_INVALID_UPSTREAM',
    'Invalid upstream %j: %s',
    TypeError
  ),
  STK_ERR_BALANCER_DUPLICATE_UPSTREAM: createError(
    'STK_ERR_BALANCER_DUPLICATE_UPSTREAM',
    'Upstream "%s" is already in the set'
  ),
  STK_ERR_RETRY_INVALID_OPTION: createError(
    'STK_ERR_RETRY_INVALID_OPTION',
    'Invalid retry policy option "%s": %s (got %j)',
    TypeError
  )
} as const

export type ErrorCode = keyof typeof errors
