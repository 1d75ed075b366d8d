/**
 * Resolves with the promise's value, or 'timeout' when it takes longer than
 * `timeoutMs`. The timer is cleared either way, so an early settle does not
 * keep the event loop (and a finished test process) alive.
 */
export async function withTimeout<T> (promise: Promise<T>, timeoutMs: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs) })
  try {
    return await Promise.race([promise, expired])
  } finally {
    clearTimeout(timer)
  }
}
