import { connect } from 'node:net'

/** memcached's own command counters, summed over servers, read on a separate socket. */
export async function commandCounts (ports: readonly number[]): Promise<{ get: number, set: number, touch: number }> {
  const out = { get: 0, set: 0, touch: 0 }
  for (const port of ports) {
    const s = await rawStats(port)
    out.get += s.get('cmd_get') ?? 0
    out.set += s.get('cmd_set') ?? 0
    out.touch += s.get('cmd_touch') ?? 0
  }
  return out
}

function rawStats (port: number): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port })
    let buf = ''
    s.setTimeout(2000, () => { s.destroy(); reject(new Error('stats timed out')) })
    s.on('error', reject)
    s.on('connect', () => s.write('stats\r\n'))
    s.on('data', (d) => {
      buf += d.toString()
      if (!buf.endsWith('END\r\n')) return
      s.destroy()
      const out = new Map<string, number>()
      for (const line of buf.split('\r\n')) {
        const [tag, name, value] = line.split(' ')
        if (tag === 'STAT' && name !== undefined) out.set(name, Number(value))
      }
      resolve(out)
    })
  })
}
