// What keeps the process alive, and what does not (a process hold, not HTTP keep-alive). The store's background
// work (probes, skip markers, refills) must not keep an app's process running
// after the app has closed its server but not the store: the sockets and the
// command timers are unref'd. A call the app makes, on the other hand, must
// keep the process alive until it settles, or a script that awaits a save
// could exit before memcached answers. One ref'd timer per store does that,
// ref'd while any such call is in flight.

export class ProcessHold {
  private readonly timer: NodeJS.Timeout
  private inFlight = 0

  constructor () {
    this.timer = setInterval(() => {}, 2 ** 30)
    this.timer.unref()
  }

  /** `work`, keeping the process alive until it settles. */
  hold<T> (work: Promise<T>): Promise<T> {
    if (this.inFlight++ === 0) this.timer.ref()
    work.then(this.release, this.release)
    return work
  }

  // made once: a closure per call was an allocation on every read
  private readonly release = (): void => {
    if (--this.inFlight === 0) this.timer.unref()
  }

  close (): void {
    clearInterval(this.timer)
  }
}

/** Replaces each named async method of `target` with one whose calls the keeper holds. */
export function holdCalls<T extends object> (target: T, keeper: ProcessHold, names: ReadonlyArray<keyof T>): void {
  for (const name of names) {
    const original = target[name] as unknown as (...args: unknown[]) => Promise<unknown>
    Object.defineProperty(target, name, {
      value: (...args: unknown[]) => keeper.hold(original.apply(target, args)),
      writable: true,
      configurable: true,
      enumerable: false
    })
  }
}
