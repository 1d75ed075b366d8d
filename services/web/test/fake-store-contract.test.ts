// The store contract of @stickless/memcached-store, run against the fake the
// web tests use, so the fake cannot drift from the real store (which runs the
// same contract on real memcached in the store package's tests).
import type { TestContext } from 'node:test'
import { FakeSessionStore } from './helpers/fake-session-store.js'

interface ContractSubject { name: string, make: (t: TestContext, now: () => number) => Promise<object> | object }
// The contract is compiled with the store package's tests (a project this one references).
const contract = new URL('../../../../packages/memcached-store/dist/test/helpers/store-contract.js', import.meta.url)
const { storeContract } = await import(contract.href) as { storeContract: (subject: ContractSubject) => void }

storeContract({ name: 'FakeSessionStore', make: (_t, now) => new FakeSessionStore(now) })
