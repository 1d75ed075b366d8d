import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { NO_COMPOSE, resolvedCompose, rootDir, type ComposeService } from './helpers/compose-config.js'

// What a Docker user gets without reading anything. The LB is published on
// loopback only, the web nodes are not handed a secret that looks like a real
// one (they then announce the public demo secret), and the images run on one
// stated Node line.

/** The Node line both images build from and run on; the tests' own Node (NODE_LTS_MAJOR in node-lts.ts) may be newer. */
const IMAGE_NODE_MAJOR = 26

/** The resolved services of docker-compose.yml alone; undefined without compose. */
function resolvedDefaults (env: NodeJS.ProcessEnv): Record<string, ComposeService> | undefined {
  const config = resolvedCompose(['docker-compose.yml'], env)
  return config === undefined || 'error' in config ? undefined : config.services
}

/** "host:port" of each published port, in either syntax compose prints (v1 short, v2 long). */
function published (service: ComposeService | undefined): string[] {
  return (service?.ports ?? []).map((port) => {
    if (typeof port === 'string') return port.split(':').slice(0, -1).join(':')
    return `${port.host_ip ?? '0.0.0.0'}:${String(port.published)}`
  })
}

const hasCompose = resolvedDefaults({}) !== undefined

test('the LB is published on 127.0.0.1:8080 by default, and LB_PUBLISH opens it to the LAN', { skip: hasCompose ? false : NO_COMPOSE }, () => {
  const services = resolvedDefaults({})
  assert.deepEqual(published(services?.lb), ['127.0.0.1:8080'])
  for (const [name, service] of Object.entries(services ?? {})) {
    if (name !== 'lb') assert.deepEqual(published(service), [], `${name} is not published`)
  }
  assert.deepEqual(published(resolvedDefaults({ LB_PUBLISH: '0.0.0.0:8080' })?.lb), ['0.0.0.0:8080'])
})

test('without SESSION_SECRETS the web nodes get none, so they announce the demo secret; a given one reaches every node', { skip: hasCompose ? false : NO_COMPOSE }, () => {
  const webs = (services: Record<string, ComposeService> | undefined): ComposeService[] => Object.entries(services ?? {}).filter(([name]) => /^web\d$/.test(name)).map(([, s]) => s)
  const unset = webs(resolvedDefaults({}))
  assert.equal(unset.length, 3)
  for (const web of unset) assert.ok([undefined, null, ''].includes(web.environment?.SESSION_SECRETS), `SESSION_SECRETS is empty, got ${String(web.environment?.SESSION_SECRETS)}`)
  const secret = 'x'.repeat(40)
  for (const web of webs(resolvedDefaults({ SESSION_SECRETS: secret }))) assert.equal(web.environment?.SESSION_SECRETS, secret)
})

test(`both images build from and run on node:${IMAGE_NODE_MAJOR}`, () => {
  for (const dockerfile of ['services/web/Dockerfile', 'services/lb/Dockerfile']) {
    const bases = [...readFileSync(join(rootDir, dockerfile), 'utf8').matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1] ?? '')
    const nodeBases = bases.filter((base) => base.startsWith('node:'))
    assert.ok(nodeBases.length >= 2, `${dockerfile} has a build and a runtime stage from node`)
    for (const base of nodeBases) assert.equal(base, `node:${IMAGE_NODE_MAJOR}-bookworm-slim`, `${dockerfile}: FROM ${base}`)
  }
})

test('engines tell the truth: each workspace asks for at least the newest Node its dependency tree declares', () => {
  const lock = JSON.parse(readFileSync(join(rootDir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string }, dependencies?: Record<string, string>, link?: boolean, resolved?: string }> }
  const minimumMajor = (range: string): number => {
    // The lowest major a range admits, from its first ">=" or "^" bound or bare major ("20 || >=22" admits 20).
    const majors = range.split('||').map((part) => Number(/(\d+)/.exec(part)?.[1] ?? 0))
    return Math.min(...majors)
  }
  const resolve = (from: string, name: string): string | undefined => {
    let dir = from
    for (;;) {
      const candidate = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`
      if (lock.packages[candidate] !== undefined) return candidate
      if (dir === '') return undefined
      const at = dir.lastIndexOf('/node_modules/')
      dir = at === -1 ? '' : dir.slice(0, at)
    }
  }
  for (const workspace of ['services/web', 'services/lb', 'packages/balancer']) {
    const pkg = JSON.parse(readFileSync(join(rootDir, workspace, 'package.json'), 'utf8')) as { engines?: { node?: string } }
    const declared = pkg.engines?.node
    assert.ok(declared !== undefined, `${workspace} declares engines.node`)
    let needed = 0
    const seen = new Set<string>()
    const queue = [workspace]
    while (queue.length > 0) {
      const at = queue.shift() ?? ''
      if (seen.has(at)) continue
      seen.add(at)
      const entry = lock.packages[at]
      if (entry === undefined) continue
      if (entry.link === true && entry.resolved !== undefined) { queue.push(entry.resolved); continue }
      if (at !== workspace && entry.engines?.node !== undefined) needed = Math.max(needed, minimumMajor(entry.engines.node))
      for (const dep of Object.keys(entry.dependencies ?? {})) {
        const found = resolve(at.includes('node_modules/') ? at : '', dep)
        if (found !== undefined) queue.push(found)
      }
    }
    assert.ok(minimumMajor(declared) >= needed, `${workspace} declares node ${declared}, its production dependencies need ${needed} or newer`)
  }
})
