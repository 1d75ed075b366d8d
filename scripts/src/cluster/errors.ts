// One table of every failure the cluster library can report, so a caller can
// branch on `err.code` and a reader can see every failure mode in one place.

export const CLUSTER_ERRORS = {
  STK_ERR_CLUSTER_INVALID_OPTION: 'Invalid cluster option',
  STK_ERR_CLUSTER_PORT_IN_USE: 'A required port is already in use',
  STK_ERR_CLUSTER_COMMAND_NOT_FOUND: 'A command the cluster needs does not exist',
  STK_ERR_CLUSTER_START_TIMEOUT: 'The cluster did not become ready in time',
  STK_ERR_CLUSTER_PROCESS_EXITED: 'A process exited while the cluster waited for it',
  STK_ERR_CLUSTER_UNKNOWN_PROCESS: 'No process has that name',
  STK_ERR_CLUSTER_NOT_RUNNING: 'The process is not running',
  STK_ERR_CLUSTER_STATE: 'The cluster is not in a state that allows this call',
  STK_ERR_CLUSTER_EXIT_TIMEOUT: 'A process did not exit in time'
} as const

export type ClusterErrorCode = keyof typeof CLUSTER_ERRORS

export class ClusterError extends Error {
  readonly code: ClusterErrorCode

  constructor (code: ClusterErrorCode, detail: string, options?: { cause?: unknown }) {
    super(`${CLUSTER_ERRORS[code]}: ${detail}`, options)
    this.name = 'ClusterError'
    this.code = code
  }
}

/** Builds the error a bad option gets: it names the option and the value it got. */
export function invalidOption (option: string, value: unknown, expected: string): ClusterError {
  return new ClusterError('STK_ERR_CLUSTER_INVALID_OPTION', `${option} must be ${expected}, got ${JSON.stringify(value)}`)
}
