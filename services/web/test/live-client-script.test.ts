// The dashboard's live client, run in a VM against a stand-in DOM, WebSocket,
// fetch and timers (no browser here; e2e drives the real one): what each
// message does to the page, 4001 to /login, the backoff, and the sign-in
// check after a reconnect that fails before any hello.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import vm from 'node:vm'
import { LIVE_CLIENT_SCRIPT } from '../src/views/live-client-script.js'

class FakeElement {
  /** what the script sets on forms and inputs (action, method, value...) */
  [field: string]: unknown
  children: Array<FakeElement | string> = []
  readonly attributes = new Map<string, string>()
  className = ''
  textContent = ''
  scrollTop = 0
  scrollHeight = 0
  constructor (readonly tag: string) {}
  append (...nodes: Array<FakeElement | string>): void { this.children.push(...nodes) }
  replaceChildren (...nodes: Array<FakeElement | string>): void { this.children = nodes }
  setAttribute (name: string, value: unknown): void { this.attributes.set(name, String(value)) }
  getAttribute (name: string): string | null { return this.attributes.get(name) ?? null }
  /** Every element below this one, depth first. */
  all (): FakeElement[] {
    return this.children.flatMap((c) => typeof c === 'string' ? [] : [c, ...c.all()])
  }
}

interface FakeSocket {
  readonly url: string
  onmessage?: (event: { data: string }) => void
  onclose?: (event: { code: number }) => void
}

function harness (random = 0.999) {
  const ids = ['live-status', 'cart-list', 'cart-count', 'sessions-body', 'cluster-web', 'cluster-memcached']
  const elements = new Map(ids.map((id) => [id, new FakeElement(id)]))
  const sockets: FakeSocket[] = []
  const timers: Array<{ fn: () => void, ms: number }> = []
  const assigned: string[] = []
  let sessionStatus = 200
  const fetched: string[] = []
  class WebSocket {
    onmessage?: (event: { data: string }) => void
    onclose?: (event: { code: number }) => void
    constructor (readonly url: string) { sockets.push(this) }
  }
  const context = vm.createContext({
    window: { WebSocket },
    WebSocket,
    document: {
      getElementById: (id: string) => elements.get(id) ?? null,
      querySelector: (selector: string) => selector === 'input[name="_csrf"]' ? { value: 'token-1' } : null,
      createElement: (tag: string) => new FakeElement(tag)
    },
    location: { protocol: 'http:', host: 'shop.example:8080', assign: (url: string) => { assigned.push(url) } },
    fetch: async (url: string) => { fetched.push(url); return { status: sessionStatus } },
    setTimeout: (fn: () => void, ms: number) => { timers.push({ fn, ms }) },
    Math: Object.assign(Object.create(Math) as Math, { random: () => random })
  })
  new vm.Script(LIVE_CLIENT_SCRIPT.value).runInContext(context)
  const el = (id: string): FakeElement => elements.get(id) as FakeElement
  const last = (): FakeSocket => sockets.at(-1) as FakeSocket
  const send = (message: unknown): void => { last().onmessage?.({ data: JSON.stringify(message) }) }
  const flush = async (): Promise<void> => { for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve)) }
  return { el, sockets, timers, assigned, fetched, last, send, flush, setSessionStatus: (s: number) => { sessionStatus = s } }
}

test('the client connects to /api/live on this host and renders hello, cart, sessions and nodes', () => {
  const h = harness()
  assert.equal(h.sockets.length, 1)
  assert.equal(h.last().url, 'ws://shop.example:8080/api/live')
  assert.equal(h.el('live-status').getAttribute('data-state'), 'connecting')
  h.send({ type: 'hello', node: 'web-2', user: 'alice' })
  assert.equal(h.el('live-status').getAttribute('data-state'), 'open')
  assert.equal(h.el('live-status').getAttribute('data-node'), 'web-2')
  h.send({ type: 'cart', cart: ['tea', '<b>scones</b>'] })
  assert.deepEqual(h.el('cart-list').children.map((li) => (li as FakeElement).textContent), ['tea', '<b>scones</b>'], 'text, never markup')
  assert.equal(h.el('cart-count').textContent, '2')
  h.send({ type: 'cart', cart: [] })
  assert.equal((h.el('cart-list').children[0] as FakeElement).className, 'empty')
  h.send({ type: 'sessions', sessions: [{ handle: 'h_1', current: true, createdAt: '2030-01-01T00:00:00.000Z', lastSeenAt: '2030-01-01T00:01:00.000Z', node: 'web-1', userAgent: 'Firefox 133 on Linux' }, { handle: 'h-2', current: false, createdAt: '2030-01-01T00:00:00.000Z', lastSeenAt: '2030-01-01T00:00:00.000Z', node: 'web-3', userAgent: 'Safari' }] })
  const rows = h.el('sessions-body').children as FakeElement[]
  assert.equal(rows.length, 2)
  assert.equal(rows[0]?.className, 'current')
  const forms = rows.map((row) => row.all().find((e) => e.tag === 'form'))
  assert.deepEqual(forms.map((f) => f?.action), ['/sessions/h_1/logout', '/sessions/h-2/logout'])
  assert.equal(forms[0]?.all().find((e) => e.tag === 'input')?.value, 'token-1', 'each form carries the page\'s _csrf')
  h.send({ type: 'nodes', reachable: true, nodes: [{ name: 'web-1', state: 'up' }, { name: 'web-2', state: 'draining' }], sessionServers: [{ id: '127.0.0.1:11211', state: 'up' }] })
  assert.equal(h.el('cluster-web').all().filter((e) => e.tag === 'li').length, 2)
  assert.equal(h.el('cluster-memcached').all().filter((e) => e.tag === 'li').length, 1)
  h.send({ type: 'pong' })
  assert.equal(h.sockets.length, 1, 'nothing reconnects while open')
})

test('close 4001 goes to /login and does not reconnect', async () => {
  const h = harness()
  h.send({ type: 'hello', node: 'web-1', user: 'alice' })
  h.last().onclose?.({ code: 4001 })
  await h.flush()
  assert.deepEqual(h.assigned, ['/login'])
  assert.equal(h.timers.length, 0)
})

test('other closes reconnect with full-jitter backoff from 250 ms doubling to 5 s; a failure before hello checks the sign-in', async () => {
  const h = harness(0.999)
  h.send({ type: 'hello', node: 'web-1', user: 'alice' })
  h.last().onclose?.({ code: 1001 })
  await h.flush()
  assert.equal(h.el('live-status').getAttribute('data-state'), 'closed')
  assert.equal(h.fetched.length, 0, 'after a hello, no sign-in check')
  const delays = [h.timers.at(-1)?.ms ?? NaN]
  for (let i = 0; i < 7; i++) {
    h.timers.at(-1)?.fn() // reconnect
    assert.equal(h.el('live-status').getAttribute('data-state'), 'connecting')
    h.last().onclose?.({ code: 1006 }) // fails before any hello
    await h.flush()
    delays.push(h.timers.at(-1)?.ms ?? NaN)
  }
  assert.equal(h.fetched.length, 7, 'each failure before a hello asked /api/session')
  const steps = [250, 500, 1000, 2000, 4000, 5000, 5000, 5000]
  delays.forEach((ms, i) => assert.ok(ms < (steps[i] as number) && ms > (steps[i] as number) * 0.99, `delay ${i}: ${ms}`))
  assert.deepEqual(h.assigned, [])

  h.timers.at(-1)?.fn()
  h.send({ type: 'hello', node: 'web-3', user: 'alice' })
  assert.equal(h.el('live-status').getAttribute('data-node'), 'web-3', 'the node of the last hello')
  h.last().onclose?.({ code: 1011 })
  await h.flush()
  assert.ok((h.timers.at(-1)?.ms ?? NaN) < 250, 'a hello resets the backoff')

  h.setSessionStatus(401)
  h.timers.at(-1)?.fn()
  h.last().onclose?.({ code: 1006 })
  await h.flush()
  assert.deepEqual(h.assigned, ['/login'], 'signed out: to the login page')
})
