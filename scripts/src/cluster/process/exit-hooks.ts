// Children must not outlive the program that started them: a test that fails
// or a Ctrl-C must not leave memcached or a web node holding a port. This
// module owns the parent's SIGINT/SIGTERM/SIGHUP/exit handlers for every supervisor.

export interface ExitHook {
  /** Graceful cleanup, run on SIGINT/SIGTERM/SIGHUP before the parent exits. */
  graceful: () => Promise<void>
  /** Last resort, run synchronously on `exit` (no awaiting possible there). */
  immediate: () => void
}

const hooks = new Set<ExitHook>()
let exiting = false

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const
type HandledSignal = keyof typeof SIGNAL_NUMBERS

function runImmediate (): void {
  for (const hook of hooks) {
    try { hook.immediate() } catch { /* the process is exiting: nothing else to do */ }
  }
}

function handleSignal (signal: HandledSignal): void {
  const code = 128 + SIGNAL_NUMBERS[signal]
  if (exiting) {
    // A second Ctrl-C means "now": skip the grace periods.
    runImmediate()
    process.exit(code)
  }
  exiting = true
  void Promise.allSettled([...hooks].map(async (hook) => await hook.graceful())).then(() => process.exit(code))
}

function onSigint (): void { handleSignal('SIGINT') }
function onSigterm (): void { handleSignal('SIGTERM') }
// A closed terminal or a process manager's reload: without a handler Node would die and orphan every child.
function onSighup (): void { handleSignal('SIGHUP') }

/** Registers a hook; the returned function removes it again. */
export function registerExitHook (hook: ExitHook): () => void {
  if (hooks.size === 0) {
    process.on('exit', runImmediate)
    process.on('SIGINT', onSigint)
    process.on('SIGTERM', onSigterm)
    process.on('SIGHUP', onSighup)
  }
  hooks.add(hook)
  return () => {
    hooks.delete(hook)
    // Without hooks the parent gets its default signal behaviour back.
    if (hooks.size === 0) {
      process.off('exit', runImmediate)
      process.off('SIGINT', onSigint)
      process.off('SIGTERM', onSigterm)
      process.off('SIGHUP', onSighup)
    }
  }
}
