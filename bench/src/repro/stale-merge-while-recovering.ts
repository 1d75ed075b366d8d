// Repro: writes acknowledged while a memcached server was frozen are lost
// when it comes back, before its refill is done.
//
// B freezes; the store marks it down and writes go to A alone (acknowledged).
// B is thawed; the next probe makes it "recovering", still holding the values
// from before the freeze. Writes order on the placement's first replica even
// when it is recovering, so for keys placed on B first the next write reads
// its cas base from stale B, takes the gap for "the other side removed those
// items", merges them away, and writes the old cart plus one item to both
// servers. `npm run chaos` loses every cart item a user added during the
// freeze this way.
//
// `node bench/dist/src/repro/stale-merge-while-recovering.js`: exits 1 while the bug is there.
import { MemcachedStore } from '@stickless/memcached-store'
import { MemcachedServers } from '../memcached-servers.js'

async function main (): Promise<void> {
  const servers = new MemcachedServers()
  let store: MemcachedStore | undefined
  try {
    await servers.start(2)
    const x = store = new MemcachedStore({
      servers: servers.ports.map((port) => ({ host: '127.0.0.1', port, timeoutMs: 300, retryIntervalMs: 300 })),
      probeIntervalMs: 50
    })
    const ids = Array.from({ length: 20 }, (_, i) => `repro${i}`)
    const add = async (id: string, item: string): Promise<void> => {
      const s = await x.getSession(id) as { cart: string[] }
      await x.setSession(id, { ...s, cart: [...s.cart, item] })
    }
    for (const id of ids) await x.setSession(id, { user: 'alice', cart: ['before'] })

    servers.freeze(1)
    await Promise.all(ids.map(async (id) => await x.getSession(id))) // B times out and is marked down
    for (const id of ids) await add(id, 'during-freeze') // acknowledged by A alone

    const raced = new Promise<void>((resolve) => {
      x.once('serverRecovering', () => {
        // the first requests after B is back, while its refill runs
        Promise.all(ids.map(async (id) => await add(id, 'after-thaw'))).then(() => resolve(), () => resolve())
      })
    })
    servers.thaw(1)
    await raced
    await x.settled(10_000)

    let lost = 0
    for (const id of ids) {
      const s = await x.getSession(id) as { cart: string[] }
      if (!s.cart.includes('during-freeze') || !s.cart.includes('after-thaw')) {
        if (lost === 0) console.log(`e.g. ${id}: cart ${JSON.stringify(s.cart)}, expected ["before","during-freeze","after-thaw"]`)
        lost++
      }
    }
    console.log(`${lost} of ${ids.length} sessions lost acknowledged cart items (health: ${JSON.stringify(x.health().map((h) => h.state))})`)
    process.exitCode = lost > 0 ? 1 : 0
  } finally {
    await store?.close()
    await servers.stop()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 2
})
