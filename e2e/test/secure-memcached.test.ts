// The demo cluster with TLS and authentication to memcached (`npm start --
// --secure-memcached`): the store's TLS and auth options against real
// servers, driven through the contract. A plain connection to a server gets
// no session data out of it, and the cluster's guarantees still hold.
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { test } from 'node:test'
import { memcachedVersion } from '@stickless/scripts/cluster'
import { ALICE, apiSignIn, type SessionBody } from './helpers/accounts.js'
import { assertClusterHealthy } from './helpers/assertions.js'
import { useCluster } from './helpers/cluster-fixture.js'
import { jsonOf, summarize } from './helpers/http-client.js'

const cluster = useCluster({ secureMemcached: true })

/** The first line a server answers to `command` on a plain TCP connection, or undefined when it closes or stays silent. */
async function plainAnswer (address: string, command: string): Promise<string | undefined> {
  const [host = '', port = ''] = address.split(':')
  return await new Promise((resolve) => {
    let reply = ''
    const socket = connect({ host, port: Number(port) }, () => socket.write(command))
    const done = (line: string | undefined): void => { socket.destroy(); resolve(line) }
    socket.setTimeout(1_000, () => done(undefined))
    socket.on('error', () => done(undefined))
    socket.on('close', () => done(reply.includes('\r\n') ? reply.split('\r\n')[0] : undefined))
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => { reply += chunk; if (reply.includes('\r\n')) done(reply.split('\r\n')[0]) })
  })
}

test('the web nodes reach memcached over TLS with a password: sign-in, cart writes and reads work on every node', { timeout: 60_000 }, async () => {
  assert.match(cluster.sessionServers, /^tls:\/\/stickless:[0-9a-f]+@127\.0\.0\.1:\d+\?.*tls_ca=/, 'SESSION_SERVERS names TLS and credentials')
  await assertClusterHealthy(cluster)
  const client = await apiSignIn(cluster.lbUrl('/api/login'), ALICE)
  for (const item of ['tea', 'milk']) {
    const res = await client.postJson(cluster.lbUrl('/api/cart'), { item })
    assert.equal(res.status, 200, summarize(res))
  }
  for (const name of cluster.webNames) {
    const res = await client.get(cluster.webUrl(name, '/api/session'))
    assert.equal(res.status, 200, summarize(res))
    assert.deepEqual(jsonOf<SessionBody>(res).cart, ['tea', 'milk'], `${name} reads the cart through TLS`)
  }
})

test('a client without TLS gets nothing from the servers', { timeout: 30_000 }, async () => {
  for (const name of cluster.memcachedNames) {
    const address = cluster.memcachedAddress(name)
    assert.equal(await memcachedVersion(address.split(':')[0] ?? '', Number(address.split(':')[1]), 1_000), undefined, `${name} answers no plain version`)
    const answer = await plainAnswer(address, 'stats\r\n')
    assert.ok(answer === undefined || !answer.startsWith('STAT'), `${name} gives no stats in plain text: ${String(answer)}`)
  }
})
