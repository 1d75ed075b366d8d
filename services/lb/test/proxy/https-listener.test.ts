import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { startBackend } from '../helpers/fake-backend.js'
import { requestJson } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'

/** A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI. */
async function selfSigned (): Promise<{ cert: Buffer, key: Buffer } | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'stickless-lb-tls-'))
  try {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'
    ])
    return { cert: await readFile(join(dir, 'cert.pem')), key: await readFile(join(dir, 'key.pem')) }
  } catch {
    return undefined
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

test('with TLS configured the LB also listens https, and says so in X-Forwarded-Proto', async (t) => {
  const tls = await selfSigned()
  if (tls === undefined) {
    t.skip('the openssl CLI is not available')
    return
  }
  const backend = await startBackend(t, 'web-1')
  const { url, addresses } = await startLb(t, [{ name: 'web-1', url: backend.url }], { tls })
  assert.ok(addresses.https !== undefined)

  const secure = await requestJson(`https://127.0.0.1:${addresses.https.port}/`, {
    ca: tls.cert,
    headers: { 'x-forwarded-proto': 'http' }
  })
  assert.equal(secure.status, 200)
  assert.equal(secure.json.headers['x-forwarded-proto'], 'https', 'decided by the listener, never by the client')

  const plain = await requestJson(`${url}/`, { headers: { 'x-forwarded-proto': 'https' } })
  assert.equal(plain.json.headers['x-forwarded-proto'], 'http')
})
