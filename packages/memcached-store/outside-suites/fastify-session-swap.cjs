/* global require, process, console, __dirname */
// @fastify/session's own test suite with @stickless/memcached-store in place of
// its MemoryStore (lib/store.js), which every test store derives from.
const path = require('node:path')
// only the test files' processes, not the runner's own
if (process.env.NODE_TEST_CONTEXT === undefined) return
// memorystore.test.js tests MemoryStore itself (its internal Map): it keeps it
if (/memorystore\.test\.js$/.test(process.argv[1] || '')) return
const { servers } = require('./memcached-pair.cjs')
const { MemcachedStore } = require(process.env.STK_STORE_ENTRY || require('node:path').join(__dirname, '..', 'dist', 'src', 'index.js'))
let n = 0
process.on('exit', () => { if (process.env.SWAP_REPORT) console.error(`[swap] ${n} MemcachedStore instances served the suite`) })
function SwappedStore () {
  return new MemcachedStore({ servers, keyPrefix: `fs${process.pid}-${++n}:`, probeIntervalMs: 1000 })
}
SwappedStore.default = SwappedStore
SwappedStore.Store = SwappedStore
SwappedStore.MemoryStore = SwappedStore
const file = path.join(process.cwd(), 'lib', 'store.js')
require.cache[file] = { id: file, filename: file, loaded: true, exports: SwappedStore, children: [], paths: [] }
