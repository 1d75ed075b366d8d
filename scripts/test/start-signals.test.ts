import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { isAlive, pollUntil } from '@stickless/test-support'

// Process managers, CI and `timeout` signal one PID, not the
// terminal's process group. `npm start` must pass SIGINT, SIGTERM and SIGHUP
// on, so that signalling npm's PID, or the PID the banner prints, stops every
// process of the cluster. These tests run the real `npm start` (real
// memcached, web node and LB) on free ports, signal the top process only,
// then check that no process it started is left and no cluster port listens.

const rootDir = fileURLToPath(new URL('../../../', import.meta.url))
const READY_WITHIN_MS = 120_000
const EXIT_WITHIN_MS = 60_000

interface Started {
  npm: ChildProcess
  output: () => string
  /** The PID the banner says to `kill`. */
  printedPid: number
  /** Every cluster address from the banner, as host:port. */
  addresses: string[]
}

/** The PIDs below `pid`, read from /proc (a process group would miss the runner's own group). */
function descendants (pid: number): number[] {
  const parents = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // exited while we read
    }
    // The command name may hold spaces and parentheses; the fields after the last ')' do not.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)])
  }
  const found: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift() ?? 0) ?? []) {
      found.push(child)
      queue.push(child)
    }
  }
  return found
}

async function listens (address: string): Promise<boolean> {
  const [host = '', port = ''] = address.split(':')
  return await new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) })
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

/** Resolves once none of `pids` is alive; rejects after EXIT_WITHIN_MS, naming those left. */
async function allGone (pids: readonly number[]): Promise<void> {
  await pollUntil(() => !pids.some(isAlive), { what: 'every process of the cluster to exit after the signal', timeoutMs: EXIT_WITHIN_MS, intervalMs: 100 })
    .catch((err: Error) => { throw new Error(`${err.message}; still running: ${pids.filter(isAlive).join(', ')}`) })
}

async function exited (child: ChildProcess): Promise<{ code: number | null, signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode }
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not exit within ${EXIT_WITHIN_MS} ms of the signal`)), EXIT_WITHIN_MS)
    child.once('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal }) })
  })
}

async function startCluster (t: TestContext): Promise<Started> {
  const npm = spawn('npm', ['start', '--', '--ports', 'ephemeral', '--web-nodes', '1', '--memcached', '1'], {
    cwd: rootDir,
    // Its own process group, so that cleanup after a failure can reach what it left.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }
  })
  let text = ''
  npm.stdout?.setEncoding('utf8').on('data', (chunk: string) => { text += chunk })
  npm.stderr?.setEncoding('utf8').on('data', (chunk: string) => { text += chunk })
  const seen = new Set<number>()
  const remember = (): void => {
    if (npm.pid !== undefined && isAlive(npm.pid)) for (const pid of descendants(npm.pid)) seen.add(pid)
  }
  const watcher = setInterval(remember, 200)
  // Whatever happens, nothing this test started outlives it: each process by its PID.
  t.after(() => {
    clearInterval(watcher)
    remember()
    for (const pid of [npm.pid ?? 0, ...seen]) {
      if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL')
    }
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start was not ready within ${READY_WITHIN_MS} ms:\n${text}`)), READY_WITHIN_MS)
    const check = (): void => {
      if (/stickless is ready/.test(text) && /to stop everything/.test(text)) {
        clearTimeout(timer)
        resolve()
      }
    }
    npm.stdout?.on('data', check)
    npm.once('exit', (code) => { clearTimeout(timer); reject(new Error(`npm start exited (${code}) before it was ready:\n${text}`)) })
  })
  remember()
  const printedPid = Number(/run `kill (\d+)`/.exec(text)?.[1])
  const addresses = [...text.matchAll(/(?:localhost|127\.0\.0\.1):(\d+)/g)].map((m) => `127.0.0.1:${m[1]}`)
  return { npm, output: () => text, printedPid, addresses: [...new Set(addresses)] }
}

async function assertStoppedBy (t: TestContext, signal: NodeJS.Signals, target: 'npm' | 'printed'): Promise<void> {
  const started = await startCluster(t)
  const npmPid = started.npm.pid ?? 0
  const tree = descendants(npmPid)
  // memcached, one web node and the LB, plus the LB status URL's port: four addresses at least.
  assert.ok(started.addresses.length >= 4, `the banner names the cluster's addresses:\n${started.output()}`)
  for (const address of started.addresses) assert.equal(await listens(address), true, `${address} listens once ready`)
  assert.ok(Number.isInteger(started.printedPid) && tree.includes(started.printedPid), `the banner's PID ${started.printedPid} belongs to npm start`)

  process.kill(target === 'npm' ? npmPid : started.printedPid, signal)
  const exit = await exited(started.npm)
  await allGone(tree).catch((err: Error) => assert.fail(`${err.message}: not every process npm start ran stopped after ${signal} to ${target}:\n${started.output()}`))
  for (const address of started.addresses) assert.equal(await listens(address), false, `${address} is closed`)
  assert.notEqual(exit.code, 0, 'a stop by signal is not a success')
}

test('SIGTERM to npm\'s own PID stops every process of the cluster', async (t) => {
  await assertStoppedBy(t, 'SIGTERM', 'npm')
})

test('SIGTERM to the PID npm start printed stops every process of the cluster', async (t) => {
  await assertStoppedBy(t, 'SIGTERM', 'printed')
})

test('SIGHUP to the PID npm start printed stops every process of the cluster', async (t) => {
  await assertStoppedBy(t, 'SIGHUP', 'printed')
})
