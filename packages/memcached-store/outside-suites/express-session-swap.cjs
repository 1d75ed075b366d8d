/* global require, process, console, __dirname */
// express-session's own test suite with @stickless/memcached-store in place of
// MemoryStore: session/memory.js is replaced, before index.js loads it, by a
// constructor that returns a MemcachedStore with a keyPrefix of its own.
const path = require('node:path')
const { servers } = require('./memcached-pair.cjs')
const { MemcachedStore } = require(process.env.STK_STORE_ENTRY || require('node:path').join(__dirname, '..', 'dist', 'src', 'index.js'))
let n = 0
process.on('exit', () => { if (process.env.SWAP_REPORT) console.error(`[swap] ${n} MemcachedStore instances served the suite`) })
function SwappedStore () {
  return new MemcachedStore({ servers, keyPrefix: `es${++n}:`, probeIntervalMs: 1000 })
}
const memory = path.join(process.cwd(), 'session', 'memory.js')
require.cache[memory] = { id: memory, filename: memory, loaded: true, exports: SwappedStore, children: [], paths: [] }
