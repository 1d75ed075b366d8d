import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:net'
import { test } from 'node:test'
import { choosePort, freePort, isPortFree, releasePorts } from '../src/cluster/process/free-port.js'

async function occupy (): Promise<{ server: Server, port: number }> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  assert.ok(typeof address === 'object' && address !== null)
  return { server, port: address.port }
}

test('prefer: the wanted port when free, another one when taken', async (t) => {
  const { server, port } = await occupy()
  t.after(() => server.close())
  assert.equal(await isPortFree(port), false)
  const other = await choosePort(port, 'prefer')
  assert.notEqual(other, port)
  assert.equal(await isPortFree(other), true)

  const wanted = await freePort()
  releasePorts([wanted])
  assert.equal(await choosePort(wanted, 'prefer'), wanted)
  releasePorts([other, wanted])
})

test('strict: a taken port is a coded error', async (t) => {
  const { server, port } = await occupy()
  t.after(() => server.close())
  await assert.rejects(choosePort(port, 'strict'), { code: 'STK_ERR_CLUSTER_PORT_IN_USE' })
})

test('a port handed out once is not handed out again before it is released', async () => {
  const ports = await Promise.all(Array.from({ length: 20 }, async () => await freePort()))
  assert.equal(new Set(ports).size, ports.length)
  releasePorts(ports)
})
