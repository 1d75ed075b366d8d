import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { waitFor } from '@stickless/test-support'

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url))

export interface LbProcess {
  readonly child: ChildProcess
  /** The primary's PID (the one to send SIGTERM). */
  readonly pid: number
  readonly url: string
  readonly port: number
  readonly adminUrl: string
  /** PIDs of every worker that has said it listens, replacements included. */
  readonly workerPids: number[]
  /** Resolves with the primary's exit code (or signal name). */
  readonly exited: Promise<number | string>
  /** Every log line so far. */
  readonly lines: string[]
}

/**
 * Runs `node services/lb/dist/src/main.js` as a child process on free ports,
 * as production does (LB_WORKERS > 1 needs a real process: node:cluster forks
 * the main script). Resolves once it logs that it listens. The primary and
 * every worker it reported are stopped by PID in t.after, also on failure:
 * SIGTERM, then SIGKILL after 5 s.
 */
export async function startLbProcess (t: TestContext, backends: string, env: Record<string, string> = {}): Promise<LbProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      LB_PORT: '0',
      LB_HOST: '127.0.0.1',
      LB_ADMIN_PORT: '0',
      LB_BACKENDS: backends,
      LB_HEALTH_INTERVAL_MS: '60000',
      LB_RESOLVE_INTERVAL_MS: '60000',
      LB_SHUTDOWN_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'info',
      ...env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const lines: string[] = []
  const workerPids: number[] = []
  let listening: { http: string, admin: string } | undefined
  let buffered = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk
    let newline: number
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      lines.push(line)
      if (process.env.LB_TEST_LOG !== undefined) process.stderr.write(`[lb] ${line}\n`)
      try {
        const entry = JSON.parse(line) as { msg?: string, pid?: number, http?: string, admin?: string }
        if (entry.msg === 'worker listening' && typeof entry.pid === 'number') workerPids.push(entry.pid)
        if (entry.msg === 'load balancer listening' && entry.http !== undefined && entry.admin !== undefined) listening = { http: entry.http, admin: entry.admin }
      } catch {
        // Not a JSON log line (a warning from Node): kept in `lines` only.
      }
    }
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { lines.push(chunk) })
  const exited = once(child, 'exit').then(([code, signal]) => (code as number | null) ?? String(signal))

  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    }
    for (const pid of workerPids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Already gone, as it should be.
      }
    }
  })

  let gone = false
  void exited.then(() => { gone = true })
  await waitFor('the LB to listen', () => listening !== undefined || gone, 20_000)
  if (listening === undefined) throw new Error(`the LB exited before listening:\n${lines.join('\n')}`)
  const port = Number(listening.http.split(':').pop())
  return {
    child,
    pid: child.pid as number,
    url: `http://127.0.0.1:${port}`,
    port,
    adminUrl: `http://127.0.0.1:${listening.admin.split(':').pop() ?? ''}`,
    workerPids,
    exited,
    lines
  }
}
