// Concurrent clients looping requests while a test breaks something. Every
// loop is bounded by a count and a deadline; failures are collected, not
// thrown, so the test can assert "zero" with all of them in the message.
import { summarize, type HttpResponse } from './http-client.js'
import { sleep, waitFor } from '@stickless/test-support'

/** Failures kept verbatim for the message; the count covers all of them. */
const KEPT_FAILURES = 20

export class LoadRecorder {
  requests = 0
  failureCount = 0
  readonly failures: string[] = []
  /** How many responses each web node gave (x-served-by). */
  readonly servedBy = new Map<string, number>()
  maxDurationMs = 0
  slowest = ''

  /** Records one response; `problem` undefined means it was what the test wanted. */
  record (res: HttpResponse, problem: string | undefined): void {
    this.requests++
    if (res.servedBy !== undefined) this.servedBy.set(res.servedBy, (this.servedBy.get(res.servedBy) ?? 0) + 1)
    if (res.durationMs > this.maxDurationMs) {
      this.maxDurationMs = res.durationMs
      this.slowest = summarize(res)
    }
    if (problem !== undefined) this.fail(`${problem}: ${summarize(res)}`)
  }

  /** A request that failed without a response (network error, timeout), or any other failure. */
  fail (what: string): void {
    this.failureCount++
    if (this.failures.length < KEPT_FAILURES) this.failures.push(`${new Date().toISOString()} ${what}`)
  }

  nodesSeen (): string[] { return [...this.servedBy.keys()].sort() }

  report (): string {
    const nodes = [...this.servedBy].map(([node, n]) => `${node}=${n}`).join(' ')
    return `${this.requests} responses, ${this.failureCount} failures (${nodes}); slowest: ${this.slowest}\n${this.failures.join('\n')}`
  }
}

export interface LoadOptions {
  readonly workers: number
  /** Iterations per worker at most. */
  readonly maxIterations: number
  /** The run ends after this even if stop() is never called. */
  readonly maxDurationMs: number
  /** Pause between a worker's iterations. Default 0. */
  readonly pauseMs?: number
  /** One iteration of one worker; record what it sees. A throw is recorded as a failure. */
  readonly step: (worker: number, iteration: number, recorder: LoadRecorder) => Promise<void>
}

export interface LoadRun {
  readonly recorder: LoadRecorder
  /** Ends the loops after their current iteration and waits for them. */
  stop: () => Promise<LoadRecorder>
  /** Resolves when the recorder has seen `requests` responses, or after timeoutMs (returns false). */
  waitForRequests: (requests: number, timeoutMs: number) => Promise<boolean>
}

export function startLoad (options: LoadOptions): LoadRun {
  const recorder = new LoadRecorder()
  const deadline = Date.now() + options.maxDurationMs
  let stopped = false
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; i < options.maxIterations && !stopped && Date.now() < deadline; i++) {
      try {
        await options.step(w, i, recorder)
      } catch (err) {
        recorder.fail(`worker ${w} iteration ${i}: ${err instanceof Error ? `${err.name}: ${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err)}`)
      }
      if (options.pauseMs !== undefined && options.pauseMs > 0) await sleep(options.pauseMs)
    }
  }
  const done = Promise.all(Array.from({ length: options.workers }, async (_, w) => await worker(w)))
  return {
    recorder,
    stop: async () => {
      stopped = true
      await done
      return recorder
    },
    waitForRequests: async (requests, timeoutMs) => {
      await waitFor(`${requests} requests`, () => recorder.requests >= requests || stopped, timeoutMs, 50).catch(() => undefined)
      return recorder.requests >= requests
    }
  }
}
