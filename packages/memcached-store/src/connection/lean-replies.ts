// memcache-client parses replies with memcache-parser, which spends on every
// line what the store never uses: a debug message built from the line's
// tokens whether or not anything logs it, an assert, one Buffer slice to
// decode the line and another for the rest, a dispatch through a table and
// a method named by a template string, a fresh buffer and a copy for each
// value, and a `delete` that turns each item into a dictionary. A multi-get
// pays that per item, and a signed-in read is one item.
//
// The store's connections get three of those methods replaced by lean ones
// that parse the same protocol the same way: the line decoded in place, a
// VALUE line handed straight to the client's own initiatePending, a value
// that arrived whole in the chunk read as a view instead of copied, and a
// plain string value (flag 0, all the store writes) decoded without the
// client's unpacking. Anything else takes the client's own path. A loop
// feeding an 18-item multi-get reply to a connection (Node 26): 1.5-2.8 µs
// per item before, 0.8-1.5 µs after, in the same runs about half.
// test/unit/lean-replies.test.ts checks every split of a reply against the
// client's own parser.

/** What of memcache-client's connection (a MemcacheParser) these replace or call. */
interface ParserInternals {
  _pending: PendingValue | undefined
  _partialData: Buffer | undefined
  _cmdBrkLookupOffset: number
  _parseCmd: (data: Buffer) => Buffer | undefined
  _copyPending: (data: Buffer) => Buffer | undefined
  receiveResult: (pending: PendingValue) => void
  processCmd: (tokens: string[]) => unknown
  initiatePending: (tokens: string[], length: number) => void
  malformCommand: (tokens: string[]) => void
  unknownCmd: (tokens: string[]) => void
  isReady: () => boolean
  peekCommand: () => { results: Record<string, unknown>, error?: unknown } | undefined
}

/** A value being read: memcache-parser's `pending`. */
interface PendingValue {
  data: Buffer | undefined
  filled: number
  cmdTokens: string[]
}

const CRLF = Buffer.from('\r\n', 'latin1')
const CR = 13
const LF = 10

/** Puts the lean methods on one connection (own properties, so only the store's connections have them). */
export function leanReplies (conn: object): void {
  const c = conn as ParserInternals
  const copyPendingByClient = c._copyPending.bind(conn)
  const receiveByClient = c.receiveResult.bind(conn)

  // memcache-parser's _parseCmd: one line up to \r\n, then what follows it.
  c._parseCmd = function parseLine (this: ParserInternals, data: Buffer): Buffer | undefined {
    const end = data.indexOf(CRLF, this._cmdBrkLookupOffset)
    if (end < 0) {
      // keep it for the next chunk; a \r at its very end may be half of the mark
      this._partialData = data
      this._cmdBrkLookupOffset = data.length - 1
      return undefined
    }
    this._cmdBrkLookupOffset = 0
    const tokens = data.toString('utf8', 0, end).split(' ')
    let rest = data.length === end + 2 ? undefined : data.subarray(end + 2)
    if ((tokens[0] as string).length < 1) {
      this.malformCommand(tokens)
    } else if (tokens[0] === 'VALUE') {
      // what the client's VALUE action does (cmd_VALUE)
      this.initiatePending(tokens, +(tokens[3] as string))
    } else if (this.processCmd(tokens) === 0) {
      this.unknownCmd(tokens)
      rest = undefined
    }
    if (rest !== undefined && this._pending !== undefined) rest = this._copyPending(rest)
    return rest
  }

  // memcache-parser's _copyPending, for the common case: nothing of the value
  // read yet and all of it, with its \r\n, in this chunk.
  c._copyPending = function copyValue (this: ParserInternals, data: Buffer): Buffer | undefined {
    const pending = this._pending as PendingValue
    const length = (pending.data as Buffer).length
    if (pending.filled !== 0 || data.length < length + 2 || data[length] !== CR || data[length + 1] !== LF) return copyPendingByClient(data)
    pending.data = data.subarray(0, length)
    pending.filled = length
    this._pending = undefined
    this.receiveResult(pending)
    return data.length > length + 2 ? data.subarray(length + 2) : undefined
  }

  // memcache-client's receiveResult, for a string value.
  c.receiveResult = function receiveValue (this: ParserInternals, pending: PendingValue): void {
    const tokens = pending.cmdTokens
    if (tokens[2] !== '0' || !this.isReady()) {
      // other flags are unpacked by the client, which may keep the buffer: give it one of its own
      if (pending.data !== undefined) pending.data = Buffer.from(pending.data)
      receiveByClient(pending)
      return
    }
    const retrieve = this.peekCommand()
    if (retrieve !== undefined) retrieve.results[tokens[1] as string] = { tokens, casUniq: tokens[4], value: (pending.data as Buffer).toString() }
    // the chunk the value was read from is not kept
    pending.data = undefined
  }
}
