// A live-channel client for the tests, on the `ws` package: it keeps every
// message from the first, and tells a refused upgrade's HTTP status apart
// from a socket that opened (101) and was then closed.
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import WebSocket from 'ws'
import { pollUntil } from '@stickless/test-support'

export interface LiveMessage {
  readonly type: string
  readonly [field: string]: unknown
}

export interface LiveClient {
  readonly ws: WebSocket
  /** the headers of the 101 */
  readonly upgradeHeaders: Record<string, string | string[] | undefined>
  readonly messages: LiveMessage[]
  /** Resolves with the close code and reason, whoever closed. */
  readonly closed: Promise<{ code: number, reason: string }>
  /** The first message of this type after the `from`-th message (default any). */
  next: (type: string, from?: number, timeoutMs?: number) => Promise<LiveMessage>
  send: (data: string | Buffer, options?: { binary?: boolean }) => void
}

export interface RefusedUpgrade {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
}

export async function listening (app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as AddressInfo).port
}

function connect (port: number, headers: Record<string, string>): WebSocket {
  return new WebSocket(`ws://127.0.0.1:${port}/api/live`, { headers, handshakeTimeout: 5000 })
}

/** Opens a live socket; rejects with the HTTP status when the upgrade is refused. */
export async function openLive (port: number, headers: Record<string, string> = {}): Promise<LiveClient> {
  const ws = connect(port, headers)
  const messages: LiveMessage[] = []
  let upgradeHeaders: LiveClient['upgradeHeaders'] = {}
  ws.once('upgrade', (res) => { upgradeHeaders = res.headers })
  const closed = new Promise<{ code: number, reason: string }>((resolve) => {
    ws.on('close', (code, reason) => { resolve({ code, reason: reason.toString() }) })
  })
  ws.on('message', (data, isBinary) => {
    assert.equal(isBinary, false, 'the node sends text frames')
    messages.push(JSON.parse((data as Buffer).toString('utf8')) as LiveMessage)
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => { resolve() })
    ws.once('unexpected-response', (_req, res) => { reject(new Error(`upgrade refused: ${res.statusCode ?? 0}`)) })
    ws.once('error', reject)
  })
  const next = async (type: string, from = 0, timeoutMs = 10_000): Promise<LiveMessage> => {
    let found: LiveMessage | undefined
    await pollUntil(() => {
      found = messages.slice(from).find((m) => m.type === type)
      return found !== undefined
    }, { what: `a "${type}" message`, timeoutMs })
    return found as LiveMessage
  }
  return { ws, upgradeHeaders, messages, closed, next, send: (data, options) => { ws.send(data, { binary: options?.binary ?? false }) } }
}

/** An upgrade the node must refuse: its HTTP answer (never a 101). */
export async function refusedUpgrade (port: number, headers: Record<string, string> = {}): Promise<RefusedUpgrade> {
  const ws = connect(port, headers)
  return await new Promise<RefusedUpgrade>((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate()
      reject(new Error('the upgrade was accepted (101)'))
    })
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body }) })
      res.on('error', reject)
    })
    ws.once('error', (err) => { if (!/Unexpected server response/.test(err.message)) reject(err) })
  })
}

/** Resolves with the close, or fails after `timeoutMs` of real time (a bound, not a verdict on speed). */
export async function closeOf (client: LiveClient, timeoutMs = 10_000): Promise<{ code: number, reason: string }> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`the socket did not close within ${timeoutMs} ms`)) }, timeoutMs)
  })
  try {
    return await Promise.race([client.closed, timeout])
  } finally {
    clearTimeout(timer)
  }
}
