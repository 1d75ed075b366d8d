// The store contract (store-contract.ts) against the real store on real memcached.
import { MemcachedStore } from '../src/index.js'
import { startMemcached } from '@stickless/test-support'
import { storeContract } from './helpers/store-contract.js'

let n = 0
storeContract({
  name: 'MemcachedStore, 2 replicas',
  make: async (t, now) => {
    const servers = await startMemcached(t, 2)
    const store = new MemcachedStore({ servers: servers.map((s) => `tcp://${s.address}?timeout=1&retry_interval=15`).join(','), keyPrefix: `contract${++n}:`, clock: now })
    t.after(() => store.close())
    return store
  }
})
