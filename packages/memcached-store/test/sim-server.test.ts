// The simulation's memcached (sim/sim-server.ts) against a real one: the same
// commands, byte for byte, get the same replies. Times in the replies (mg's
// t flag, metadump's exp) are compared as what they mean, not as digits.
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { test } from 'node:test'
import { startMemcached } from '@stickless/test-support'
import { SimServer } from '../sim/sim-server.js'

/** True once `text` holds the whole reply to `command`. */
function complete (command: string, text: string): boolean {
  const verb = command.split(' ')[0]
  if (verb === 'get' || verb === 'gets' || verb === 'lru_crawler') return text.endsWith('END\r\n') || /^(CLIENT_)?ERROR/.test(text)
  if (verb === 'mg' && text.startsWith('VA ')) {
    const eol = text.indexOf('\r\n')
    return eol !== -1 && Buffer.byteLength(text) >= eol + 2 + Number(text.split(' ')[1]) + 2
  }
  return text.endsWith('\r\n')
}

function exchange (socket: Socket, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8')
      if (!complete(command, text)) return
      socket.off('data', onData)
      resolve(text)
    }
    socket.on('data', onData)
    socket.once('error', reject)
    socket.write(command)
  })
}

/** Replies with their clocks read as meanings: a TTL within a second of what was set, an expiry that is set or not. */
function normalize (reply: string): string {
  return reply
    .replace(/ t(\d+)/g, (_, n: string) => ` t${Math.abs(Number(n) - 100) <= 1 ? '~100' : n}`)
    .replace(/exp=(\d+)/g, 'exp=set')
    .replace(/ la=\d+/g, '')
}

const COMMANDS = [
  'set a 0 0 1\r\nx\r\n',
  'add a 0 0 1\r\ny\r\n',
  'add b 5 100 2\r\nhi\r\n',
  'gets a b c\r\n',
  'get b\r\n',
  'cas a 0 0 1 99\r\nz\r\n',
  'cas c 0 0 1 1\r\nz\r\n',
  'cas a 0 0 1 1\r\nz\r\n',
  'gets a\r\n',
  'touch a 100\r\n',
  'touch c 1\r\n',
  'gets a\r\n',
  'mg a v c t k f s\r\n',
  'mg a c\r\n',
  'mg c v\r\n',
  'incr n 1\r\n',
  'set n 0 0 2\r\n10\r\n',
  'incr n 5\r\n',
  'gets n\r\n',
  'incr b 1\r\n',
  'set utf 0 0 4\r\n\u00e9\u00e9\r\n',
  'gets utf\r\n',
  'delete a\r\n',
  'delete a\r\n',
  'set gone 0 -1 1\r\nq\r\n',
  'get gone\r\n',
  'set later 0 100 1\r\nq\r\n',
  'lru_crawler metadump all\r\n',
  'lru_crawler metadump hash\r\n'
]

test('the simulated memcached answers the store\'s commands as a real memcached does', async (t) => {
  const [real] = await startMemcached(t, 1)
  if (real === undefined) throw new Error('no memcached')
  const socket = connect({ host: '127.0.0.1', port: real.port })
  t.after(() => socket.destroy())
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve).once('error', reject) })
  const startedAt = Date.now()
  const sim = new SimServer('sim', () => Date.now() - startedAt, Math.floor(startedAt / 1000), 1)
  for (const command of COMMANDS) {
    const fromReal = normalize(await exchange(socket, command))
    const fromSim = normalize(sim.execute(command))
    const label = JSON.stringify(command)
    if (command.startsWith('lru_crawler')) {
      // the crawler lists keys in its own order; the set of keys and expiries is what counts
      assert.deepEqual(fromSim.split(/\r?\n/).filter((l) => l.startsWith('key=')).map((l) => l.split(' ').slice(0, 2).join(' ')).sort(),
        fromReal.split(/\r?\n/).filter((l) => l.startsWith('key=')).map((l) => l.split(' ').slice(0, 2).join(' ')).sort(), label)
      continue
    }
    assert.equal(fromSim, fromReal, label)
  }
})

test('a restarted simulated server is empty, with a new pid and its cas uniques begun again', () => {
  let now = 0
  const sim = new SimServer('sim', () => now, 1_700_000_000, 7)
  sim.execute('set k 0 0 1\r\nv\r\n')
  now = 5000
  assert.match(sim.execute('stats\r\n'), /STAT pid 7\r\nSTAT uptime 5\r\n/)
  sim.restart(8)
  assert.equal(sim.execute('get k\r\n'), 'END\r\n')
  assert.match(sim.execute('stats\r\n'), /STAT pid 8\r\nSTAT uptime 0\r\n/)
  sim.execute('set k 0 0 1\r\nv\r\n')
  assert.equal(sim.execute('gets k\r\n'), 'VALUE k 0 1 1\r\nv\r\nEND\r\n')
})

test('an item expires when memcached\'s clock reaches its second', () => {
  let now = 0
  const sim = new SimServer('sim', () => now, 1_700_000_000, 1)
  sim.execute('set k 0 2 1\r\nv\r\n')
  now = 1999
  assert.equal(sim.execute('get k\r\n'), 'VALUE k 0 1\r\nv\r\nEND\r\n')
  now = 2000
  assert.equal(sim.execute('get k\r\n'), 'END\r\n')
  sim.execute(`set abs 0 ${1_700_000_000 + 10} 1\r\nv\r\n`)
  now = 9999
  assert.match(sim.execute('get abs\r\n'), /^VALUE abs/)
  now = 10_000
  assert.equal(sim.execute('get abs\r\n'), 'END\r\n')
})
