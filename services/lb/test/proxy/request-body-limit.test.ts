import assert from 'node:assert/strict'
import http from 'node:http'
import { test, type TestContext } from 'node:test'
import net from 'node:net'
import { startBackend, type FakeBackend } from '../helpers/fake-backend.js'
import { rawExchange, request, type Reply } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'
import type { LoadBalancer } from '../../src/index.js'
import { waitFor } from '@stickless/test-support'

const MiB = 1024 * 1024
const json = { 'content-type': 'application/json' }

/** A JSON body of `bytes` bytes, like a cart item padded to a large upload. */
function jsonBody (bytes: number): string {
  const head = '{"item":"big","padding":"'
  return `${head}${'x'.repeat(bytes - head.length - 2)}"}`
}

/** One keep-alive connection for the whole test, like a browser's or fetch's pool with one socket. */
function keepAliveAgent (t: TestContext): http.Agent {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.after(() => agent.destroy())
  return agent
}

/** The web node's own rule: a body over 1 MiB is answered 413 at once, unread, and the connection closed. */
function nodeBodyLimit (req: http.IncomingMessage): number | undefined {
  return Number(req.headers['content-length'] ?? 0) > MiB ? 413 : undefined
}

function upstreamStats (lb: LoadBalancer, name: string): { requests: number, errors: number, state: string } {
  const stats = lb.balancer.snapshot().find((u) => u.name === name)
  assert.ok(stats !== undefined, name)
  return { requests: stats.requests, errors: stats.errors, state: stats.state }
}

interface StreamedUpload {
  readonly reply: Reply
  /** The answer came while the client was still sending its body. */
  readonly answeredBeforeEnd: boolean
  readonly reusedSocket: boolean
}

interface StreamedUploadOptions {
  readonly chunkBytes: number
  /** Bytes to send at most (with `contentLength`: exactly, as announced). */
  readonly bytes: number
  /**
   * Default none: a fresh connection, on which Node's client asks for
   * `Connection: close`; the server then closes as soon as it has answered,
   * and the rest of the upload meets a reset (EPIPE) after the answer.
   */
  readonly agent?: http.Agent
  /**
   * Announce `bytes` as Content-Length and send all of it, as browsers do,
   * answer or not. Default: chunked, ended as soon as an answer comes.
   */
  readonly contentLength?: boolean
}

/**
 * Sends a body `chunkBytes` at a time, respecting backpressure, so the LB
 * sees it arrive in pieces the way a real upload does.
 */
function streamUpload (url: string, options: StreamedUploadOptions): Promise<StreamedUpload> {
  return new Promise((resolve, reject) => {
    let answered = false
    let ended = false
    let answeredBeforeEnd = false
    const framing = options.contentLength === true ? { 'content-length': String(options.bytes) } : { 'transfer-encoding': 'chunked' }
    const req = http.request(url, { method: 'POST', agent: options.agent ?? false, headers: { ...json, ...framing } }, (res) => {
      answered = true
      answeredBeforeEnd = !ended
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => resolve({ reply: { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }, answeredBeforeEnd, reusedSocket: req.reusedSocket }))
      if (options.contentLength !== true && !ended) { ended = true; req.end() }
    })
    req.on('error', reject)
    let sent = 0
    const pump = (): void => {
      while ((options.contentLength === true || !answered) && sent < options.bytes) {
        const size = Math.min(options.chunkBytes, options.bytes - sent)
        sent += size
        if (!req.write(Buffer.alloc(size, 'y'))) { req.once('drain', pump); return }
      }
      if (!ended) { ended = true; req.end() }
    }
    pump()
  })
}

test('a 2 MB body with a Content-Length gets the LB\'s own 413 (1 MiB default) and nothing is forwarded', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url, lb } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  assert.equal(lb.options.maxBodyBytes, MiB, 'the default is the web nodes\' limit')
  const reply = await request(`${url}/api/cart`, { method: 'POST', headers: json, body: jsonBody(2_000_000), agent: keepAliveAgent(t) })
  assert.equal(reply.status, 413)
  const body = JSON.parse(reply.body) as { code: string, message: string }
  assert.equal(body.code, 'STK_ERR_LB_PAYLOAD_TOO_LARGE')
  assert.match(body.message, /1048576 bytes/)
  assert.notEqual(reply.headers.connection, 'close', 'the body is discarded, so the connection stays open')
  assert.equal(backend.seen.length, 0, 'nothing was forwarded')
  assert.deepEqual(upstreamStats(lb, 'web-1'), { requests: 0, errors: 0, state: 'healthy' })
  const metrics = await lb.metrics.registry.getSingleMetricAsString('lb_requests_total')
  assert.match(metrics, /lb_requests_total\{upstream="none",status="413"\} 1/)
})

test('a chunked body gets 413 as soon as it crosses the limit, and the node never sees it', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url, lb } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  const { reply, answeredBeforeEnd } = await streamUpload(`${url}/api/cart`, { chunkBytes: 64 * 1024, bytes: 8 * MiB, agent: keepAliveAgent(t) })
  assert.equal(reply.status, 413)
  assert.equal((JSON.parse(reply.body) as { code: string }).code, 'STK_ERR_LB_PAYLOAD_TOO_LARGE')
  assert.ok(answeredBeforeEnd, 'answered while the client was still sending')
  assert.equal(backend.seen.length, 0)
  assert.deepEqual(upstreamStats(lb, 'web-1'), { requests: 0, errors: 0, state: 'healthy' })
})

test('a chunked body that crosses the limit while it streams to a node is 413 and no error of the node', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url, lb } = await startLb(t, [{ name: 'web-1', url: backend.url }], { bodyBufferLimitBytes: 64 * 1024, maxBodyBytes: MiB })
  const { reply } = await streamUpload(`${url}/api/cart`, { chunkBytes: 64 * 1024, bytes: 8 * MiB, agent: keepAliveAgent(t) })
  assert.equal(reply.status, 413)
  await waitFor('the request to finish', () => lb.totals.inFlight === 0)
  const stats = upstreamStats(lb, 'web-1')
  assert.equal(stats.errors, 0, 'an oversized body is the client\'s fault')
  assert.equal(stats.state, 'healthy')
  const retries = await lb.metrics.registry.getSingleMetricAsString('lb_retries_total')
  assert.doesNotMatch(retries, /upstream="web-1"/)
})

test('a node\'s early answer (413, 401) to a body it did not read reaches the client as sent, never as 502', async (t) => {
  const backend = await startBackend(t, 'web-1', {
    answerEarly: (req) => req.url === '/api/private' ? 401 : nodeBodyLimit(req)
  })
  // Bodies over 64 KiB are streamed to the node, as they arrive.
  const { url, lb } = await startLb(t, [{ name: 'web-1', url: backend.url }], { bodyBufferLimitBytes: 64 * 1024, maxBodyBytes: 4 * MiB })
  const agent = keepAliveAgent(t)
  const statuses: string[] = []
  for (let i = 0; i < 10; i++) {
    for (const [path, bytes] of [['/api/cart', 2_000_000], ['/api/private', 2_000_000], ['/api/private', 48 * 1024]] as const) {
      // the assertion types the union's second side: without it tsc reads `{}` and loses the header index
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      const reply = await request(`${url}${path}`, { method: 'POST', headers: json, body: jsonBody(bytes), agent }).catch((error: NodeJS.ErrnoException) => ({ status: error.code ?? 'error', headers: {} as http.IncomingHttpHeaders }))
      statuses.push(`${path} ${bytes} ${String(reply.status)} ${String(reply.headers['x-served-by'])}`)
      const next = await request(`${url}/next`, { agent }).catch((error: NodeJS.ErrnoException) => ({ status: error.code ?? 'error' }))
      statuses.push(`next ${String(next.status)}`)
    }
  }
  const expected = Array.from({ length: 10 }, () => [
    '/api/cart 2000000 413 web-1', 'next 200', '/api/private 2000000 401 web-1', 'next 200', '/api/private 49152 401 web-1', 'next 200'
  ]).flat()
  assert.deepEqual(statuses, expected)
  const stats = upstreamStats(lb, 'web-1')
  assert.equal(stats.errors, 0, 'a node that answers early has not failed')
  assert.equal(stats.state, 'healthy')
})

interface RoundCounts {
  readonly uploads: Array<[string, number]>
  readonly gets: Array<[string, number]>
}

/** `rounds` times: upload 2 MB, then GET on the same keep-alive connection; counts what each got. */
async function uploadThenGet (url: string, agent: http.Agent, rounds: number): Promise<RoundCounts> {
  const uploads = new Map<string, number>()
  const gets = new Map<string, number>()
  const count = (map: Map<string, number>, key: string): void => { map.set(key, (map.get(key) ?? 0) + 1) }
  for (let i = 0; i < rounds; i++) {
    // 2 MB announced and sent in 64 KiB pieces, as a browser's upload arrives.
    const upload = await streamUpload(`${url}/api/cart`, { chunkBytes: 64 * 1024, bytes: 2_000_000, contentLength: true, agent })
      .then((r) => `${r.reply.status} ${String(r.reply.headers['x-served-by'] ?? 'lb')}`, (error: NodeJS.ErrnoException) => error.code ?? 'error')
    count(uploads, upload)
    const get = await request(`${url}/api/session`, { agent })
      .then((r) => `${r.status} ${r.reusedSocket === true ? 'same connection' : 'new connection'}`, (error: NodeJS.ErrnoException) => error.code ?? 'error')
    count(gets, get)
  }
  return { uploads: [...uploads], gets: [...gets] }
}

test('20 rounds of "upload 2 MB, then GET on the same keep-alive connection": every upload 413, every GET answered', async (t) => {
  // The node answers after a moment, as the web node does after loading the session.
  const backend = await startBackend(t, 'web-1', { answerEarly: nodeBodyLimit, answerEarlyAfterMs: 2 })
  // Defaults: the LB refuses the body itself.
  const lb = await startLb(t, [{ name: 'web-1', url: backend.url }])
  assert.deepEqual(await uploadThenGet(lb.url, keepAliveAgent(t), 20), { uploads: [['413 lb', 20]], gets: [['200 same connection', 20]] })
  assert.equal(backend.seen.filter((r) => r.method === 'POST').length, 0)
  // An LB that lets 2 MB through to a node streaming it: the node's own 413 comes back instead.
  const lenient = await startLb(t, [{ name: 'web-1', url: backend.url }], { bodyBufferLimitBytes: 64 * 1024, maxBodyBytes: 10 * MiB })
  assert.deepEqual(await uploadThenGet(lenient.url, keepAliveAgent(t), 20), { uploads: [['413 web-1', 20]], gets: [['200 same connection', 20]] })
  for (const { lb: balancer } of [lb, lenient]) assert.equal(upstreamStats(balancer, 'web-1').errors, 0)
})

test('a 413 keeps the connection when the body is discarded, and says Connection: close when it will not be', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { addresses } = await startLb(t, [{ name: 'web-1', url: backend.url }], { bodyBufferLimitBytes: 1_000, maxBodyBytes: 1_000, bodyDiscardLimitBytes: 10_000 })
  const port = addresses.http.port

  // Within the discard limit: read and dropped, and the next request on the connection is answered.
  const kept = await rawExchange(port, `POST /api/cart HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n${'k'.repeat(5_000)}GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  const answers = kept.response.split(/(?=HTTP\/1\.1 )/)
  assert.equal(answers.length, 2, kept.response)
  assert.match(answers[0] ?? '', /^HTTP\/1\.1 413 /)
  assert.doesNotMatch(answers[0] ?? '', /\r\nConnection: close\r\n/i)
  assert.match(answers[1] ?? '', /^HTTP\/1\.1 200 /)

  // Over it: the answer says the connection closes, and it does.
  const closed = await rawExchange(port, `POST /api/cart HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n${'c'.repeat(2_000)}`)
  assert.match(closed.response, /^HTTP\/1\.1 413 /)
  assert.match(closed.response, /\r\nConnection: close\r\n/i)
  assert.equal(closed.closedByServer, true)
  assert.equal(backend.seen.length, 1, 'only GET /next was forwarded')
})

test('a client that leaves in the middle of a streamed upload is no error of the node', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url, lb } = await startLb(t, [{ name: 'web-1', url: backend.url }], { bodyBufferLimitBytes: 1_024 })
  await new Promise<void>((resolve) => {
    const req = http.request(`${url}/api/cart`, { method: 'POST', agent: false, headers: { ...json, 'content-length': String(512 * 1024) } })
    req.on('error', () => resolve())
    req.write('x'.repeat(128 * 1024), () => setTimeout(() => { req.destroy(); resolve() }, 50))
  })
  await waitFor('the request to finish', () => lb.totals.inFlight === 0)
  await waitFor('the attempt to finish', () => lb.balancer.snapshot()[0]?.inFlight === 0)
  assert.equal(upstreamStats(lb, 'web-1').errors, 0)
  assert.equal(upstreamStats(lb, 'web-1').state, 'healthy')
})

test('a client too slow with a streamed body is answered 408 with Connection: close and is no error of the node', async (t) => {
  const backend: FakeBackend = await startBackend(t, 'web-1')
  const { url, lb } = await startLb(t, [{ name: 'web-1', url: backend.url }], { bodyBufferLimitBytes: 1_024, proxyTimeoutMs: 200 })
  const reply = await new Promise<Reply>((resolve, reject) => {
    const req = http.request(`${url}/api/cart`, { method: 'POST', agent: false, headers: { ...json, 'content-length': '10000' } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => { req.destroy(); resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }) })
    })
    req.on('error', reject)
    // 2,000 of the 10,000 bytes announced, then nothing.
    req.write('s'.repeat(2_000))
  })
  assert.equal(reply.status, 408)
  assert.equal((JSON.parse(reply.body) as { code: string }).code, 'STK_ERR_LB_BODY_TIMEOUT')
  assert.equal(reply.headers.connection, 'close')
  await waitFor('the request to finish', () => lb.totals.inFlight === 0)
  assert.equal(upstreamStats(lb, 'web-1').errors, 0, 'the client was slow, not the node')
})

test('a node that stops reading a streamed upload is the node\'s timeout (504), not the client\'s', async (t) => {
  // Accepts and never reads, so the LB's writes to it back up.
  const sockets = new Set<net.Socket>()
  const stuck = net.createServer((socket) => {
    sockets.add(socket)
    socket.pause()
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy()
    stuck.close(() => resolve())
  }))
  const { port } = stuck.address() as net.AddressInfo
  const { url, lb } = await startLb(t, [{ name: 'stuck', url: `http://127.0.0.1:${port}` }], { bodyBufferLimitBytes: 1_024, maxBodyBytes: 256 * MiB, proxyTimeoutMs: 300 })
  const { reply } = await streamUpload(`${url}/api/cart`, { chunkBytes: 256 * 1024, bytes: 128 * MiB, agent: keepAliveAgent(t) })
  assert.equal(reply.status, 504)
  assert.equal((JSON.parse(reply.body) as { code: string }).code, 'STK_ERR_LB_UPSTREAM_TIMEOUT')
  assert.equal(upstreamStats(lb, 'stuck').errors, 1)
})
