// TLS and ASCII authentication against real memcached 1.6 (-Z, -Y), with
// certificates the test makes with the openssl CLI in a temporary directory.
// Every memcached this starts is stopped by PID when its test ends.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemcachedStore, type MemcachedStoreOptions } from '../src/index.js'
import { startMemcached, waitFor } from '@stickless/test-support'
import { session } from './helpers/fixtures.js'

interface Pki { dir: string, ca: string, serverCert: string, serverKey: string, clientCert: string, clientKey: string, rogueCa: string, rogueCert: string, rogueKey: string }

let pki: Pki | undefined

function openssl (dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore', timeout: 30_000 })
}

/** A CA, a server certificate for localhost / 127.0.0.1 and a client certificate, both signed by it; and a rogue CA with its own server certificate. */
function makePki (): Pki {
  if (pki !== undefined) return pki
  const dir = mkdtempSync(join(tmpdir(), 'stk-tls-'))
  process.on('exit', () => { rmSync(dir, { recursive: true, force: true }) })
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  for (const ca of ['ca', 'rogue-ca']) {
    openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2', '-subj', `/CN=stickless test ${ca}`)
  }
  const issue = (name: string, ca: string, cn: string, ext: boolean): void => {
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`)
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...(ext ? ['-extfile', 'san.cnf'] : []))
  }
  issue('server', 'ca', 'localhost', true)
  issue('client', 'ca', 'stickless client', false)
  issue('rogue', 'rogue-ca', 'localhost', true)
  const f = (name: string): string => join(dir, name)
  pki = { dir, ca: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key'), rogueCa: f('rogue-ca.crt'), rogueCert: f('rogue.crt'), rogueKey: f('rogue.key') }
  return pki
}

/** memcached with extra arguments on a free port; ready once it accepts TCP (it answers no plain command). */
async function startSecureMemcached (t: TestContext, args: string[]): Promise<number> {
  const [server] = await startMemcached(t, 1, args, { memoryMb: 16, readyWhen: 'accepts' })
  return server!.port
}

function storeOn (t: TestContext, options: MemcachedStoreOptions): MemcachedStore {
  const store = new MemcachedStore({ timeoutMs: 1000, probeIntervalMs: 100, readRepairChance: 0, ...options })
  t.after(() => store.close())
  return store
}

/** A memcached stat read over an authenticated (and maybe TLS) raw connection. */
function authedStat (port: number, name: string, tlsCa?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = tlsCa === undefined ? connect({ host: '127.0.0.1', port }) : connectTls({ host: '127.0.0.1', port, ca: execFileSync('cat', [tlsCa]), servername: 'localhost' })
    let buf = ''
    s.setTimeout(3000, () => { s.destroy(); reject(new Error('stats timed out')) })
    s.on('error', reject)
    s.on(tlsCa === undefined ? 'connect' : 'secureConnect', () => s.write('set a 0 0 12\r\nalice secret\r\nstats\r\n'))
    s.on('data', (d) => {
      buf += d.toString()
      if (!buf.endsWith('END\r\n')) return
      s.destroy()
      const m = new RegExp(`STAT ${name} (\\d+)`).exec(buf)
      resolve(m === null ? Number.NaN : Number(m[1]))
    })
  })
}

test('TLS: sessions round-trip over a verified connection, given in the server string; all, length and clear list over TLS too', async (t) => {
  const p = makePki()
  const port = await startSecureMemcached(t, ['-Z', '-o', `ssl_chain_cert=${p.serverCert},ssl_key=${p.serverKey}`])
  const store = storeOn(t, { servers: `tls://127.0.0.1:${port}?timeout=1&tls_ca=${encodeURIComponent(p.ca)}&tls_servername=localhost`, keyPrefix: 'tls:' })
  await store.setSession('s1', session({ user: 'alice' }))
  assert.equal((await store.getSession('s1'))?.user, 'alice')
  assert.deepEqual(Object.keys(await store.allSessions()), ['s1'])
  await store.clearSessions()
  assert.equal(await store.getSession('s1'), null)
  assert.equal(store.health()[0]?.state, 'up')
})

test('TLS: a certificate that does not verify is refused with STK_ERR_TLS, and the server is marked down', async (t) => {
  const p = makePki()
  const port = await startSecureMemcached(t, ['-Z', '-o', `ssl_chain_cert=${p.rogueCert},ssl_key=${p.rogueKey}`])
  const store = storeOn(t, { servers: `127.0.0.1:${port}`, tls: { ca: p.ca, servername: 'localhost' }, retryIntervalMs: 60_000 })
  const downs: string[] = []
  store.on('serverDown', (e: { reason: string }) => downs.push(e.reason))
  await assert.rejects(store.setSession('s1', session({ user: 'mallory' })), { code: 'STK_ERR_STORE_UNAVAILABLE' })
  assert.equal(store.health()[0]?.state, 'down')
  assert.match(store.health()[0]?.lastError ?? '', /TLS to memcached failed/)
  assert.equal(downs.length, 1)
})

test('TLS: a certificate for another name is refused', async (t) => {
  const p = makePki()
  const port = await startSecureMemcached(t, ['-Z', '-o', `ssl_chain_cert=${p.serverCert},ssl_key=${p.serverKey}`])
  const store = storeOn(t, { servers: `127.0.0.1:${port}`, tls: { ca: p.ca, servername: 'memcached.example.net' }, retryIntervalMs: 60_000 })
  await assert.rejects(store.setSession('s1', session({ user: 'alice' })), { code: 'STK_ERR_STORE_UNAVAILABLE' })
  assert.match(store.health()[0]?.lastError ?? '', /TLS to memcached failed/)
})

test('TLS: a server that requires a client certificate accepts ours, and refuses a store without one', async (t) => {
  const p = makePki()
  const port = await startSecureMemcached(t, ['-Z', '-o', `ssl_chain_cert=${p.serverCert},ssl_key=${p.serverKey},ssl_ca_cert=${p.ca},ssl_verify_mode=2`])
  const good = storeOn(t, { servers: `tcp://127.0.0.1:${port}?tls=1&tls_ca=${p.ca}&tls_cert=${p.clientCert}&tls_key=${p.clientKey}&tls_servername=localhost` })
  await good.setSession('s1', session({ user: 'alice' }))
  assert.equal((await good.getSession('s1'))?.user, 'alice')
  const anonymous = storeOn(t, { servers: `127.0.0.1:${port}`, tls: { ca: p.ca, servername: 'localhost' }, retryIntervalMs: 60_000 })
  await assert.rejects(anonymous.getSession('s1'), { code: 'STK_ERR_STORE_UNAVAILABLE' })
  assert.equal(anonymous.health()[0]?.state, 'down')
})

test('auth: the right credentials, in the server string, work for sessions, counters and the metadump listing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stk-auth-'))
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  writeFileSync(join(dir, 'users'), 'alice:secret\n')
  const port = await startSecureMemcached(t, ['-Y', join(dir, 'users')])
  const store = storeOn(t, { servers: `tcp://alice:secret@127.0.0.1:${port}?weight=1&timeout=1&retry_interval=15`, keyPrefix: 'auth:' })
  await store.setSession('s1', session({ user: 'alice' }))
  assert.equal((await store.getSession('s1'))?.user, 'alice')
  assert.equal(await store.hit('login:alice', 60_000), 1)
  assert.equal(await new Promise((resolve, reject) => { store.length((err, n) => { if (err) reject(err as Error); else resolve(n) }) }), 1)
  const same = storeOn(t, { servers: `127.0.0.1:${port}`, username: 'alice', password: 'secret', keyPrefix: 'auth:' })
  assert.equal((await same.getSession('s1'))?.user, 'alice')
})

test('auth: a wrong password is STK_ERR_AUTH_FAILED, the server is marked down and not retried in a tight loop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stk-auth-'))
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  writeFileSync(join(dir, 'users'), 'alice:secret\n')
  const port = await startSecureMemcached(t, ['-Y', join(dir, 'users')])
  const store = storeOn(t, { servers: `tcp://127.0.0.1:${port}?retry_interval=60&username=alice&password=wrong` })
  const downs: string[] = []
  store.on('serverDown', (e: { reason: string }) => downs.push(e.reason))
  await assert.rejects(store.setSession('s1', session({ user: 'alice' })), { code: 'STK_ERR_STORE_UNAVAILABLE' })
  assert.equal(store.health()[0]?.state, 'down')
  assert.match(store.health()[0]?.lastError ?? '', /refused the username or password/)
  assert.match(downs[0] ?? '', /refused the username or password/)
  // 50 more requests, as a busy node would send: each fails fast on the
  // down server, and none asks it again before its retry interval (a minute
  // here, so no clock decides the count): memcached saw one refused login.
  for (let i = 0; i < 50; i++) {
    await assert.rejects(store.getSession('s1'), { code: 'STK_ERR_STORE_UNAVAILABLE' })
  }
  assert.equal(await authedStat(port, 'auth_errors'), 1, 'one refused attempt, not one per request')
  // and a node whose retry interval has passed (1 s here) asks it again, by itself
  const retrying = storeOn(t, { servers: `tcp://127.0.0.1:${port}?retry_interval=1&username=alice&password=wrong` })
  await assert.rejects(retrying.getSession('s1'), { code: 'STK_ERR_STORE_UNAVAILABLE' })
  await waitFor('the server asked again after the retry interval', async () => await authedStat(port, 'auth_errors') >= 3, 10_000, 200)
})

test('TLS and auth together, as the demo cluster turns them on', async (t) => {
  const p = makePki()
  const dir = mkdtempSync(join(tmpdir(), 'stk-auth-'))
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  writeFileSync(join(dir, 'users'), 'alice:secret\n')
  const port = await startSecureMemcached(t, ['-Z', '-o', `ssl_chain_cert=${p.serverCert},ssl_key=${p.serverKey}`, '-Y', join(dir, 'users')])
  const store = storeOn(t, { servers: `tls://alice:secret@127.0.0.1:${port}?timeout=1&tls_ca=${p.ca}&tls_servername=localhost` })
  await store.setSession('s1', session({ user: 'alice' }))
  assert.equal((await store.getSession('s1'))?.user, 'alice')
  assert.equal(await authedStat(port, 'auth_errors', p.ca), 0)
})

test('bad TLS and auth settings fail at start with coded errors naming them', () => {
  const p = makePki()
  const cases: Array<[string, MemcachedStoreOptions, string, RegExp]> = [
    ['cert without key', { servers: 'a:1', tls: { cert: p.clientCert } }, 'STK_ERR_INVALID_OPTION', /tls\.key/],
    ['unreadable ca', { servers: 'a:1', tls: { ca: '/nonexistent/ca.pem' } }, 'STK_ERR_INVALID_OPTION', /tls\.ca/],
    ['unknown tls field', { servers: 'a:1', tls: { cafile: 'x' } as never }, 'STK_ERR_INVALID_OPTION', /tls\.cafile/],
    ['rejectUnauthorized not boolean', { servers: 'a:1', tls: { rejectUnauthorized: 'no' as never } }, 'STK_ERR_INVALID_OPTION', /rejectUnauthorized/],
    ['username without password', { servers: 'a:1', username: 'alice' }, 'STK_ERR_INVALID_OPTION', /password/],
    ['password with a space', { servers: 'a:1', username: 'alice', password: 'a b' }, 'STK_ERR_INVALID_OPTION', /password/],
    ['tls=2 in the string', { servers: 'tcp://a:1?tls=2' }, 'STK_ERR_INVALID_SERVER_STRING', /tls=/],
    ['missing tls_ca file in the string', { servers: 'tcp://a:1?tls_ca=/nonexistent.pem' }, 'STK_ERR_INVALID_SERVER_STRING', /nonexistent/],
    ['tls_cert without tls_key in the string', { servers: `tcp://a:1?tls_cert=${p.clientCert}` }, 'STK_ERR_INVALID_SERVER_STRING', /key/],
    ['username without password in the string', { servers: 'tcp://alice@a:1' }, 'STK_ERR_INVALID_SERVER_STRING', /password/],
    ['tls=0 with tls settings', { servers: `tcp://a:1?tls=0&tls_ca=${p.ca}` }, 'STK_ERR_INVALID_SERVER_STRING', /tls=0/]
  ]
  for (const [name, options, code, message] of cases) {
    assert.throws(() => new MemcachedStore(options), (err: Error & { code?: string }) => {
      assert.equal(err.code, code, name)
      assert.match(err.message, message, name)
      assert.doesNotMatch(err.message, /secret|"a b"/, `${name}: no password in the message`)
      return true
    }, name)
  }
})
