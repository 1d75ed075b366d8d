// The same from CommonJS: require() of the package gives the same class and types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import store = require('@stickless/memcached-store')
const s: store.MemcachedStore = new store.MemcachedStore({ servers: '127.0.0.1:11211', keyPrefix: 'cjs:' })
export = s
