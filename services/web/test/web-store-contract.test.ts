// The web node's store contract (web-store-contract.ts) against the real
// store on real memcached and against the fake, which must answer alike.
import { FakeSessionStore } from './helpers/fake-session-store.js'
import { testConfig } from './helpers/test-app.js'
import { memcachedPerFile, realStore } from './helpers/real-store.js'
import { webStoreContract } from './helpers/web-store-contract.js'

const memcached = memcachedPerFile()

webStoreContract({ name: 'MemcachedStore, 2 replicas', make: (t) => realStore(t, memcached, testConfig()) })
webStoreContract({ name: 'FakeSessionStore', make: () => new FakeSessionStore() })
