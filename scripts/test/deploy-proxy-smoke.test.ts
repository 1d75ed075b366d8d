import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { Cluster, freePort, LB_SOURCE_ADDRESS, probeHttp } from '../src/cluster/index.js'
import { openLiveSocket, pollUntil, upgradeStatus } from '@stickless/test-support'
import { findExecutable } from '../src/cluster/process/command-check.js'
import { PROXY_KINDS, skipUnlessInstalled, startProxy } from './helpers/proxy-recipes.js'

// The nginx and HAProxy recipes of deploy/, filled in and run in
// front of the local cluster instead of our LB: a user signs in through them,
// 30 hops land on all 3 nodes, they set the forwarded headers our LB sets
// (overwriting a client's own), they pass the live channel's WebSocket
// upgrade (and its refusals), and a web node SIGKILLed under load costs no
// GET.

const HOPS = 30
const LOAD_WORKERS = 8
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const VICTIM = 'web-2'

interface AccessLine { reqId?: string, req?: { host?: string, remoteAddress?: string } }

/** The web nodes' access-log line of a request id (ACCESS_LOG=on), from whichever node served it. */
function accessLine (cluster: Cluster, requestId: string): AccessLine | undefined {
  for (const name of cluster.webNames) {
    for (const line of cluster.logs(name)) {
      if (!line.includes(requestId) || !line.includes('request completed')) continue
      return JSON.parse(line.slice(line.indexOf('{'))) as AccessLine
    }
  }
  return undefined
}

function skipReason (kind: 'nginx' | 'haproxy'): string | false {
  if (findExecutable('memcached') === undefined) return 'memcached is not installed'
  return skipUnlessInstalled(kind)
}

for (const kind of PROXY_KINDS) {
  test(`${kind} (deploy/${kind}) in front of the local cluster: sign in, a live socket (and its refusals), ${HOPS} hops over 3 nodes, our LB's headers, and ${VICTIM} SIGKILLed under load with 0 failed GETs`, { skip: skipReason(kind), timeout: 180_000 }, async (t) => {
    const cluster = new Cluster({ portMode: 'ephemeral', output: null, webEnv: { ACCESS_LOG: 'on' } })
    t.after(async () => await cluster.stop())
    const dir = mkdtempSync(join(tmpdir(), `stickless-${kind}-smoke-`))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    await cluster.start()

    const port = await freePort()
    const proxy = startProxy(kind, dir, {
      listen: `127.0.0.1:${port}`,
      // The nodes believe X-Forwarded-* from this address only (TRUSTED_PROXIES), as from our LB.
      sourceAddress: LB_SOURCE_ADDRESS,
      webServers: cluster.webNames.map((name) => ({ name, address: `127.0.0.1:${cluster.port(name)}` }))
    })
    t.after(async () => await proxy.stop())
    const url = (path: string): string => `http://127.0.0.1:${port}${path}`
    await pollUntil(async () => (await probeHttp(url('/healthz')))?.status === 200, { what: `${kind} answering /healthz on port ${port}: ${proxy.logs(kind).join('\n')}`, timeoutMs: 15_000 })

    // Sign in with a client that pretends to be someone else: the proxy overwrites it all.
    const loginId = `smoke-${kind}-login-${Date.now()}`
    const login = await fetch(url('/api/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': loginId, 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' },
      body: JSON.stringify({ username: 'alice', password: 'wonderland' })
    })
    assert.equal(login.status, 200, await login.text())
    assert.equal(login.headers.get('x-request-id'), loginId, 'the client\'s request id is passed on')
    const setCookie = login.headers.getSetCookie().find((c) => c.startsWith('sid='))
    assert.ok(setCookie !== undefined, `a sid cookie: ${login.headers.getSetCookie().join(' | ')}`)
    assert.doesNotMatch(setCookie, /;\s*Secure/i, 'plain http: X-Forwarded-Proto https from the client was overwritten')
    const cookie = setCookie.split(';')[0] ?? ''
    let line: AccessLine | undefined
    await pollUntil(() => (line = accessLine(cluster, loginId)) !== undefined, { what: `the access-log line of ${loginId}`, timeoutMs: 5_000 })
    assert.equal(line?.req?.remoteAddress, '127.0.0.1', 'X-Forwarded-For is the client\'s address as the proxy saw it')
    assert.equal(line?.req?.host, `127.0.0.1:${port}`, 'X-Forwarded-Host is the Host the client sent to the proxy')

    // The live channel through the proxy: opened with the cookie, refused
    // (as HTTP, no 101) without it and for another site's Origin.
    const liveUrl = `ws://127.0.0.1:${port}/api/live`
    const live = await openLiveSocket(liveUrl, { cookie })
    try {
      assert.equal(live.hello?.user, 'alice')
      assert.ok(cluster.webNames.includes(String(live.hello?.node)), `hello from a web node: ${JSON.stringify(live.hello)}`)
      live.send({ type: 'ping' })
      await live.next('pong')
    } finally {
      await live.close()
    }
    assert.equal(await upgradeStatus(liveUrl), 401, 'no cookie: 401 through the proxy')
    assert.equal(await upgradeStatus(liveUrl, { cookie, origin: 'https://evil.example' }), 403, 'another site\'s Origin: 403 through the proxy')

    // 30 hops: the dashboard, signed in, landing on every node in turn.
    const servedBy: string[] = []
    for (let i = 0; i < HOPS; i++) {
      const res = await fetch(url('/'), { headers: { cookie } })
      const body = await res.text()
      assert.equal(res.status, 200, `hop ${i + 1}: ${body.slice(0, 200)}`)
      assert.match(body, /alice/)
      const id = res.headers.get('x-request-id') ?? ''
      assert.ok(id !== '' && !UUID.test(id), `hop ${i + 1}: the request id is the proxy's (${id}), not one the node made up`)
      servedBy.push(res.headers.get('x-served-by') ?? '?')
    }
    assert.deepEqual([...new Set(servedBy)].sort(), cluster.webNames, `x-served-by of ${HOPS} hops: ${servedBy.join(' ')}`)
    t.diagnostic(`${kind}: ${HOPS} hops served by ${[...new Set(servedBy)].sort().map((n) => `${n} ×${servedBy.filter((s) => s === n).length}`).join(', ')}`)

    // Load: signed-in reads from several clients while a node is SIGKILLed.
    let requests = 0
    const failures: string[] = []
    let stopping = false
    const worker = async (): Promise<void> => {
      while (!stopping) {
        try {
          const res = await fetch(url('/api/session'), { headers: { cookie }, signal: AbortSignal.timeout(10_000) })
          const body = await res.text()
          if (res.status !== 200 || !body.includes('"user":"alice"')) failures.push(`${res.status} ${body.slice(0, 120)}`)
        } catch (error) {
          failures.push(String(error))
        }
        requests++
      }
    }
    const workers = Array.from({ length: LOAD_WORKERS }, async () => await worker())
    let afterKill = 0
    try {
      await pollUntil(() => requests >= 300, { what: 'warm-up traffic', timeoutMs: 30_000 })
      const before = requests
      const exit = await cluster.kill(VICTIM, 'SIGKILL')
      assert.equal(exit.signal, 'SIGKILL')
      await pollUntil(() => requests >= before + 1_500, { what: 'traffic after the kill', timeoutMs: 60_000 })
      afterKill = requests - before
    } finally {
      stopping = true
      await Promise.all(workers)
    }
    t.diagnostic(`${kind}: ${requests} GETs /api/session from ${LOAD_WORKERS} clients, ${afterKill} of them after the SIGKILL of ${VICTIM}; ${failures.length} failed`)
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${requests} GETs failed around the SIGKILL of ${VICTIM}\n${proxy.logs(kind).slice(-20).join('\n')}`)
  })
}
