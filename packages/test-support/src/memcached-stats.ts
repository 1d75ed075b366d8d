import { connect } from 'node:net'

/** One raw `stats` (or other one-line command) answer as a map, read on its own socket so it counts nothing against the store. */
export function stats (port: number, command = 'stats'): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port })
    let buf = ''
    s.setTimeout(2000, () => { s.destroy(); reject(new Error('stats timed out')) })
    s.on('error', reject)
    s.on('connect', () => s.write(`${command}\r\n`))
    s.on('data', (d) => {
      buf += d.toString()
      if (buf.endsWith('END\r\n')) {
        s.destroy()
        const out = new Map<string, number>()
        for (const line of buf.split('\r\n')) {
          const [tag, name, value] = line.split(' ')
          if (tag === 'STAT' && name !== undefined) out.set(name, Number(value))
        }
        resolve(out)
      }
    })
  })
}

export interface CommandCounts {
  get: number
  set: number
  touch: number
  /** cas commands, whatever their outcome */
  cas: number
}

/** memcached's own command counters, summed over servers: what reached the servers, whoever sent it. */
export async function commandCounts (ports: readonly number[]): Promise<CommandCounts> {
  const out = { get: 0, set: 0, touch: 0, cas: 0 }
  for (const port of ports) {
    const s = await stats(port)
    out.get += s.get('cmd_get') ?? 0
    out.set += s.get('cmd_set') ?? 0 // memcached counts set, add and cas attempts here
    out.touch += s.get('cmd_touch') ?? 0
    out.cas += (s.get('cas_hits') ?? 0) + (s.get('cas_badval') ?? 0) + (s.get('cas_misses') ?? 0)
  }
  return out
}

/** A raw get, bypassing the store: what the server really holds. */
export function rawGet (port: number, key: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port })
    let buf = ''
    s.setTimeout(2000, () => { s.destroy(); reject(new Error('get timed out')) })
    s.on('error', reject)
    s.on('connect', () => s.write(`get ${key}\r\n`))
    s.on('data', (d) => {
      buf += d.toString('latin1')
      if (buf.endsWith('END\r\n')) {
        s.destroy()
        const m = /^VALUE \S+ \d+ (\d+)\r\n/.exec(buf)
        if (m === null) return resolve(undefined)
        const start = m[0].length
        resolve(Buffer.from(buf.slice(start, start + Number(m[1])), 'latin1').toString('utf8'))
      }
    })
  })
}

/** A raw command whose answer is one line (set, delete, flush_all ...). */
export function rawCommand (port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port })
    s.setTimeout(2000, () => { s.destroy(); reject(new Error('command timed out')) })
    s.on('error', reject)
    s.on('connect', () => s.write(text))
    s.on('data', (d) => { s.destroy(); resolve(d.toString().trim()) })
  })
}

export function sessionKey (sid: string, prefix = 'stk:'): string {
  return `${prefix}s:${sid}`
}
