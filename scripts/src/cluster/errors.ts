// One table of every failure the cluster library can report, built with
// @fastify/error as fastify's lib/errors.js is, so a caller can branch on
// `err.code` and a reader can see every failure mode in one place.
// scripts/README.md lists each code (test/errors.test.ts checks).
import createError from '@fastify/error'

/**
 * The class every cluster error is an instance of: each code's constructor in
 * `errorCodes` inherits from it (@fastify/error links the prototypes and
 * never calls this constructor). `new ClusterError(code, detail)` hands back
 * that code's error; the Error `super()` made is dropped.
 */
export class ClusterError extends Error {
  declare readonly code: ClusterErrorCode

  constructor (code: ClusterErrorCode, detail: string, options?: { cause?: unknown }) {
    super()
    const ErrorOfCode = errorCodes[code]
    return options === undefined ? new ErrorOfCode(detail) : new ErrorOfCode(detail, { cause: options.cause })
  }
}

// @fastify/error types its Base as a plain ErrorConstructor.
const Base = ClusterError as unknown as ErrorConstructor

// The message is `<what failed>: <detail>`. No request is answered with these:
// the status is @fastify/error's 500.
export const errorCodes = {
  STK_ERR_CLUSTER_INVALID_OPTION: createError('STK_ERR_CLUSTER_INVALID_OPTION', 'Invalid cluster option: %s', 500, Base),
  STK_ERR_CLUSTER_PORT_IN_USE: createError('STK_ERR_CLUSTER_PORT_IN_USE', 'A required port is already in use: %s', 500, Base),
  STK_ERR_CLUSTER_COMMAND_NOT_FOUND: createError('STK_ERR_CLUSTER_COMMAND_NOT_FOUND', 'A command the cluster needs does not exist: %s', 500, Base),
  STK_ERR_CLUSTER_START_TIMEOUT: createError('STK_ERR_CLUSTER_START_TIMEOUT', 'The cluster did not become ready in time: %s', 500, Base),
  STK_ERR_CLUSTER_PROCESS_EXITED: createError('STK_ERR_CLUSTER_PROCESS_EXITED', 'A process exited while the cluster waited for it: %s', 500, Base),
  STK_ERR_CLUSTER_UNKNOWN_PROCESS: createError('STK_ERR_CLUSTER_UNKNOWN_PROCESS', 'No process has that name: %s', 500, Base),
  STK_ERR_CLUSTER_NOT_RUNNING: createError('STK_ERR_CLUSTER_NOT_RUNNING', 'The process is not running: %s', 500, Base),
  STK_ERR_CLUSTER_STATE: createError('STK_ERR_CLUSTER_STATE', 'The cluster is not in a state that allows this call: %s', 500, Base),
  STK_ERR_CLUSTER_EXIT_TIMEOUT: createError('STK_ERR_CLUSTER_EXIT_TIMEOUT', 'A process did not exit in time: %s', 500, Base)
} as const

export type ClusterErrorCode = keyof typeof errorCodes

/** Builds the error a bad option gets: it names the option and the value it got. */
export function invalidOption (option: string, value: unknown, expected: string): ClusterError {
  return new errorCodes.STK_ERR_CLUSTER_INVALID_OPTION(`${option} must be ${expected}, got ${JSON.stringify(value)}`)
}

/** How many of a process's last output lines an error message quotes. */
const LOG_TAIL_LINES = 20

/** The last output lines of a process, for an error message that names it. */
export function logTail (name: string, lines: readonly string[]): string {
  const tail = lines.slice(-LOG_TAIL_LINES)
  return tail.length === 0 ? `(${name} printed nothing)` : `last output of ${name}:\n  ${tail.join('\n  ')}`
}

/** A process the cluster waited for has exited; `exit` is undefined when only its absence was seen. */
export function processExitedError (name: string, exit: { code: number | null, signal: NodeJS.Signals | null } | undefined, tail: string): ClusterError {
  const how = exit === undefined ? 'exited' : exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`
  return new ClusterError('STK_ERR_CLUSTER_PROCESS_EXITED', `${name} ${how}\n${tail}`)
}

/** A wait ran out of time: its own message, then the output of the process it waited for. */
export function startTimeoutError (cause: Error, tail: string): ClusterError {
  return new ClusterError('STK_ERR_CLUSTER_START_TIMEOUT', `${cause.message}\n${tail}`, { cause })
}
