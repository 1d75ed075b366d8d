// A simulated memcached server: the ASCII protocol's text in, its text out,
// with the semantics of memcached's doc/protocol.txt for the commands the
// store sends (get/gets, set, add, cas, delete, touch, incr/decr, stats),
// plus mg and `lru_crawler metadump` (`hash` or `all`). Checked side by side against a real
// memcached in test/sim-server.test.ts.
//
// - exptime: 0 never expires; up to 30 days is relative; more is a Unix time;
//   negative is already expired. memcached's clock ticks in whole seconds, and
//   an item whose expiry is at or before the current second is gone.
// - the cas unique: one counter per server run, taken by every store (set,
//   add, cas, incr/decr); touch keeps it. A restart starts it again.

/** Relative exptimes stop here; larger numbers are Unix times (protocol.txt). */
const REALTIME_MAXDELTA_S = 60 * 60 * 24 * 30

interface Item {
  value: string
  flags: number
  /** absolute expiry in the server's seconds; 0: never */
  exp: number
  cas: number
}

export class SimServer {
  private items = new Map<string, Item>()
  private casCounter = 0
  private startedAtMs: number
  pid: number

  constructor (readonly name: string, private readonly now: () => number, private readonly epochS: number, pid: number) {
    this.pid = pid
    this.startedAtMs = now()
  }

  /** memcached's current time: whole seconds since the Unix epoch. */
  private currentS (): number {
    return this.epochS + Math.floor(this.now() / 1000)
  }

  /** Starts again, empty, as a new process. */
  restart (pid: number): void {
    this.items = new Map()
    this.casCounter = 0
    this.pid = pid
    this.startedAtMs = this.now()
  }

  private live (key: string): Item | undefined {
    const item = this.items.get(key)
    if (item === undefined) return undefined
    if (item.exp !== 0 && item.exp <= this.currentS()) {
      this.items.delete(key)
      return undefined
    }
    return item
  }

  private absoluteExp (exptime: number): number {
    if (exptime === 0) return 0
    if (exptime < 0) return this.currentS() - 1
    if (exptime > REALTIME_MAXDELTA_S) return exptime <= this.epochS ? this.currentS() - 1 : exptime
    return this.currentS() + exptime
  }

  /** Every live key, as its value (for the simulation's own checks): not a command. */
  snapshot (): Map<string, string> {
    const out = new Map<string, string>()
    for (const key of [...this.items.keys()]) {
      const item = this.live(key)
      if (item !== undefined) out.set(key, item.value)
    }
    return out
  }

  /**
   * One command, as the client wrote it (line, and data block for a storage
   * command), answered as memcached would.
   */
  execute (command: string): string {
    const eol = command.indexOf('\r\n')
    const line = eol === -1 ? command : command.slice(0, eol)
    const tokens = line.split(' ').filter((t) => t !== '')
    const verb = tokens[0] ?? ''
    switch (verb) {
      case 'get':
      case 'gets':
        return this.retrieve(tokens.slice(1), verb === 'gets')
      case 'set':
      case 'add':
      case 'cas':
        return this.store(verb, tokens, command.slice(eol + 2))
      case 'delete': {
        const key = tokens[1] ?? ''
        if (this.live(key) === undefined) return 'NOT_FOUND\r\n'
        this.items.delete(key)
        return 'DELETED\r\n'
      }
      case 'touch': {
        const item = this.live(tokens[1] ?? '')
        if (item === undefined) return 'NOT_FOUND\r\n'
        item.exp = this.absoluteExp(Number(tokens[2]))
        return 'TOUCHED\r\n'
      }
      case 'incr':
      case 'decr':
        return this.arith(verb, tokens[1] ?? '', tokens[2] ?? '')
      case 'mg':
        return this.metaGet(tokens[1] ?? '', tokens.slice(2))
      case 'stats':
        return `STAT pid ${this.pid}\r\nSTAT uptime ${Math.floor((this.now() - this.startedAtMs) / 1000)}\r\nSTAT curr_items ${this.snapshot().size}\r\nEND\r\n`
      case 'lru_crawler':
        return tokens[1] === 'metadump' && (tokens[2] === 'all' || tokens[2] === 'hash') ? this.metadump() : 'CLIENT_ERROR bad command line format\r\n'
      default:
        return 'ERROR\r\n'
    }
  }

  private retrieve (keys: readonly string[], withCas: boolean): string {
    if (keys.length === 0) return 'ERROR\r\n'
    let out = ''
    for (const key of keys) {
      const item = this.live(key)
      if (item === undefined) continue
      out += `VALUE ${key} ${item.flags} ${Buffer.byteLength(item.value)}${withCas ? ` ${item.cas}` : ''}\r\n${item.value}\r\n`
    }
    return `${out}END\r\n`
  }

  private store (verb: 'set' | 'add' | 'cas', tokens: readonly string[], rest: string): string {
    const [, key = '', flagsText = '', expText = '', bytesText = '', casText] = tokens
    const bytes = Number(bytesText)
    if (!Number.isInteger(bytes) || bytes < 0 || (verb === 'cas' && casText === undefined)) return 'ERROR\r\n'
    const data = Buffer.from(rest, 'utf8')
    if (data.length < bytes + 2 || data.subarray(bytes, bytes + 2).toString() !== '\r\n') return 'CLIENT_ERROR bad data chunk\r\n'
    const value = data.subarray(0, bytes).toString('utf8')
    const existing = this.live(key)
    if (verb === 'add' && existing !== undefined) return 'NOT_STORED\r\n'
    if (verb === 'cas') {
      if (existing === undefined) return 'NOT_FOUND\r\n'
      if (String(existing.cas) !== casText) return 'EXISTS\r\n'
    }
    this.items.set(key, { value, flags: Number(flagsText), exp: this.absoluteExp(Number(expText)), cas: ++this.casCounter })
    return 'STORED\r\n'
  }

  private arith (verb: 'incr' | 'decr', key: string, deltaText: string): string {
    if (!/^\d+$/.test(deltaText)) return 'CLIENT_ERROR invalid numeric delta argument\r\n'
    const item = this.live(key)
    if (item === undefined) return 'NOT_FOUND\r\n'
    if (!/^\d+$/.test(item.value)) return 'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n'
    const max = 2n ** 64n
    let n = BigInt(item.value)
    n = verb === 'incr' ? (n + BigInt(deltaText)) % max : (n < BigInt(deltaText) ? 0n : n - BigInt(deltaText))
    item.value = n.toString()
    item.cas = ++this.casCounter
    return `${item.value}\r\n`
  }

  /** mg with the flags v (value), c (cas), t (seconds left, -1: never), k (key), f (client flags), s (size). */
  private metaGet (key: string, flags: readonly string[]): string {
    const item = this.live(key)
    if (item === undefined) return 'EN\r\n'
    const ret: string[] = []
    for (const f of flags) {
      if (f === 'c') ret.push(`c${item.cas}`)
      else if (f === 't') ret.push(`t${item.exp === 0 ? -1 : item.exp - this.currentS()}`)
      else if (f === 'k') ret.push(`k${key}`)
      else if (f === 'f') ret.push(`f${item.flags}`)
      else if (f === 's') ret.push(`s${Buffer.byteLength(item.value)}`)
    }
    const head = ret.length > 0 ? ` ${ret.join(' ')}` : ''
    if (flags.includes('v')) return `VA ${Buffer.byteLength(item.value)}${head}\r\n${item.value}\r\n`
    return `HD${head}\r\n`
  }

  /** memcached ends each key's line with a bare newline here, and only END with \r\n. */
  private metadump (): string {
    let out = ''
    for (const key of [...this.items.keys()]) {
      const item = this.live(key)
      if (item === undefined) continue
      out += `key=${encodeURIComponent(key)} exp=${item.exp === 0 ? -1 : item.exp} la=0 cas=${item.cas} fetch=no cls=1 size=${Buffer.byteLength(item.value)}\n`
    }
    return `${out}END\r\n`
  }
}
