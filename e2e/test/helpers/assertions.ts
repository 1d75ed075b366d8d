// Assertions shared by the files: the contract's error format and "the
// cluster is still up".
import assert from 'node:assert/strict'
import type { Cluster } from '@stickless/scripts/cluster'
import { HttpClient, jsonOf, summarize, type HttpResponse } from './http-client.js'
import { logsOf } from './cluster-fixture.js'

export interface ErrorBody {
  statusCode: number
  code: string
  error: string
  message: string
}

// What a leaked stack trace looks like in a body: "    at fn (file.js:1:2)".
const STACK_LINE = /\n\s+at\s|\bat\s+\S+\s+\(\/|node:internal|\.js:\d+:\d+/

/** No stack trace, in any form, in a body. */
export function assertNoStackTrace (res: HttpResponse): void {
  assert.doesNotMatch(res.text, STACK_LINE, `no stack trace in the body of ${summarize(res)}`)
  assert.ok(!/"stack"\s*:/.test(res.text), `no "stack" field in ${summarize(res)}`)
}

/**
 * The contract's JSON error under /api/*: {statusCode, code, error, message},
 * statusCode equal to the status, and no stack trace. Returns the body.
 */
export function assertApiError (res: HttpResponse, status: number | readonly number[], code?: string): ErrorBody {
  const statuses = typeof status === 'number' ? [status] : status
  assert.ok(statuses.includes(res.status), `expected ${statuses.join(' or ')}: ${summarize(res)}`)
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `JSON error: ${summarize(res)}`)
  const body = jsonOf<ErrorBody>(res)
  assert.equal(body.statusCode, res.status, `statusCode in the body: ${summarize(res)}`)
  assert.equal(typeof body.code, 'string', `code: ${summarize(res)}`)
  assert.ok(body.code.length > 0, `code: ${summarize(res)}`)
  assert.equal(typeof body.error, 'string', `error: ${summarize(res)}`)
  assert.equal(typeof body.message, 'string', `message: ${summarize(res)}`)
  assert.ok(body.message.length > 0, `message: ${summarize(res)}`)
  if (code !== undefined) assert.equal(body.code, code, summarize(res))
  assertNoStackTrace(res)
  return body
}

/** An HTML page (not JSON, not a stack trace) with the given status. */
export function assertHtml (res: HttpResponse, status: number): void {
  assert.equal(res.status, status, summarize(res))
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/, `HTML: ${summarize(res)}`)
  assert.match(res.text, /<html/i, `an HTML document: ${summarize(res)}`)
  assertNoStackTrace(res)
}

export interface HealthBody {
  status: string
  node: string
  sessionServers: Array<{ id: string, state: string }>
}

/**
 * Every web node and the LB still run (memcached is the tests' to kill), every web node answers GET /healthz 200 directly
 * (with its own name) and the LB answers GET /healthz and its admin
 * /status.json: nothing crashed.
 */
export async function assertClusterHealthy (cluster: Cluster, context = ''): Promise<void> {
  const client = new HttpClient()
  const dead = [...cluster.webNames, 'lb'].filter((name) => !cluster.isRunning(name))
  assert.deepEqual(dead, [], `${context} processes that exited: ${dead.join(', ')}\n${logsOf(cluster, dead)}`)
  for (const name of cluster.webNames) {
    const res = await client.get(cluster.webUrl(name, '/healthz'))
    assert.equal(res.status, 200, `${context} ${summarize(res)}\n${logsOf(cluster, [name])}`)
    assert.equal(jsonOf<HealthBody>(res).node, name, summarize(res))
  }
  const viaLb = await client.get(cluster.lbUrl('/healthz'))
  assert.equal(viaLb.status, 200, `${context} ${summarize(viaLb)}\n${logsOf(cluster, ['lb'])}`)
  const admin = await client.get(cluster.lbAdminUrl('/status.json'))
  assert.equal(admin.status, 200, `${context} ${summarize(admin)}`)
}
