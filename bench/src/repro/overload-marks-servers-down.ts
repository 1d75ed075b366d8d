// Repro: an overloaded web node marks healthy memcached servers down and then
// answers 503 to every signed-in request for the retry interval.
//
// The store times a command from when it was queued, so time the reply spends
// waiting for the node's own busy event loop counts as the server being slow.
// 200 connections reading 512 KB sessions keep one node's loop busy for over a
// second; both servers "time out", are marked down for retry_interval (15 s),
// and requests with a small session get 503 long after the load has stopped.
//
// `node bench/dist/src/repro/overload-marks-servers-down.js`: exits 1 while the bug is there.
import { join } from 'node:path'
import { freePort, probeHttp } from '@stickless/scripts/cluster'
import { BenchProcesses } from '../bench-processes.js'
import { runWrk } from '../load-tool.js'
import { cartOfSize, login, SessionEditor, writeCookieFile } from '../session-pool.js'
import { ROOT_DIR } from '../http-topology.js'
import { memcachedArgs } from '@stickless/test-support'

async function main (): Promise<void> {
  const p = new BenchProcesses()
  let editor: SessionEditor | undefined
  try {
    const memcached: string[] = []
    for (const name of ['memcached-a', 'memcached-b']) {
      const port = await freePort()
      // memcached's default 4 threads, as the figures in RESULTS.md were measured with
      p.start({ name, tier: 0, command: 'memcached', args: memcachedArgs(port, { memoryMb: 1024, threads: 4 }) })
      await p.waitForMemcached(name, port)
      memcached.push(`127.0.0.1:${port}`)
    }
    const secret = 'r'.repeat(64)
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    p.start({
      name: 'web-1',
      tier: 1,
      command: process.execPath,
      args: [join(ROOT_DIR, 'services/web/dist/src/main.js')],
      env: { PORT: String(port), NODE_NAME: 'web-1', SESSION_SECRETS: secret, SESSION_SERVERS: memcached.map((m) => `tcp://${m}?timeout=1&retry_interval=15`).join(','), SHUTDOWN_DRAIN_MS: '0' }
    })
    await p.waitForHttp('web-1', `${url}/healthz`)

    const small = await login(url, { username: 'alice', password: 'wonderland' })
    editor = new SessionEditor(memcached, secret)
    const big = await editor.clone([small], 250, () => cartOfSize(512 * 1024))
    const file = join(p.dir, 'big.txt')
    writeCookieFile(file, big)

    const load = await runWrk({ url: `${url}/api/session`, connections: 200, durationS: 5, cookieFile: file })
    console.log(`load: ${load.requests} requests, ${load.badStatus} answered >= 400, p99 ${Math.round(load.p99Ms)} ms`)
    const health = await probeHttp(`${url}/healthz`)
    console.log(`after the load, /healthz says: ${health?.body ?? 'no answer'}`)
    const res = await fetch(`${url}/api/session`, { headers: { cookie: small.cookie } })
    console.log(`a 200 B session, once the load is over: ${res.status} ${(await res.text()).slice(0, 160)}`)
    process.exitCode = res.status === 200 ? 0 : 1
  } finally {
    await editor?.close()
    await p.stop()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 2
})
