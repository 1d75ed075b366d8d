export interface WeightedNode {
  readonly id: string
  readonly weight: number
}

// Weighted rendezvous (highest-random-weight) hashing: every server scores
// every key and the top R scores hold it. Adding a server moves only the keys
// it now wins, about R/N of them, and the order of the rest stays the same, so
// the primary of most keys does not change.
//
// With R >= N every server holds every key, and then all keys share one
// order: the servers ranked as rendezvous hashing ranks them for one fixed key
// (so the heaviest tends to lead, and the order of a server list never
// matters). A node's reads of one event-loop turn then go out as a single
// multi-get to that first server, not one per server: measured on one web
// node under 50 connections (bench/src/node-quick.ts, side by side with the
// order spread per key), 49 -> 46 µs of CPU per signed-in read, fewer
// syscalls in memcached too. Every server must carry all the reads anyway
// while its peer is down, so leading them costs it no capacity it can lack.
//
// The hash runs on every session read, so it is FNV-1a over the key, mixed
// with each node's own hash through murmur3's finalizer (md5 from node:crypto
// cost 9% of a read in a profile). It must never change between releases:
// every web node has to place a key on the same servers.
export function fnv1a (text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

function fmix32 (x: number): number {
  x ^= x >>> 16
  x = Math.imul(x, 0x85ebca6b)
  x ^= x >>> 13
  x = Math.imul(x, 0xc2b2ae35)
  x ^= x >>> 16
  return x >>> 0
}

const nodeHashes = new Map<string, number>()
function nodeHash (id: string): number {
  let h = nodeHashes.get(id)
  if (h === undefined) {
    h = fmix32(fnv1a(id))
    nodeHashes.set(id, h)
  }
  return h
}

/** A uniform value in (0, 1) for this node and key, never 0 or 1. */
function unitHash (nodeId: string, keyHash: number): number {
  const n = nodeHash(nodeId)
  const hi = fmix32((keyHash ^ n) >>> 0)
  const lo = fmix32((hi + n + 0x9e3779b9) >>> 0) >>> 11
  return (hi * 2 ** 21 + lo + 0.5) / 2 ** 53
}

export function score (node: WeightedNode, key: string, keyHash = fnv1a(key)): number {
  return -node.weight / Math.log(unitHash(node.id, keyHash))
}

/**
 * The nodes that hold `key`, best first. Pure: the same nodes and key always
 * give the same answer on every web node, which is what lets them share data.
 */
export function replicasFor<T extends WeightedNode> (nodes: readonly T[], key: string, count: number): T[] {
  if (count >= nodes.length) return [...rankedOrder(nodes)]
  return byScore(nodes, key).slice(0, count)
}

/** The nodes, best score for `key` first. */
function byScore<T extends WeightedNode> (nodes: readonly T[], key: string): T[] {
  const keyHash = fnv1a(key)
  return nodes.map((node) => ({ node, s: score(node, key, keyHash) })).sort((a, b) => b.s - a.s).map((x) => x.node)
}

/** The key whose rendezvous order is every key's when every server holds every key. */
const RANK_KEY = ''
/** Per server list (Placement keeps its lists): hashed once, not on every read. */
const ranked = new WeakMap<readonly WeightedNode[], readonly WeightedNode[]>()

function rankedOrder<T extends WeightedNode> (nodes: readonly T[]): readonly T[] {
  let order = ranked.get(nodes) as readonly T[] | undefined
  if (order === undefined) {
    order = byScore(nodes, RANK_KEY)
    ranked.set(nodes, order)
  }
  return order
}
