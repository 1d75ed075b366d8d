import { createHash } from 'node:crypto'

export interface WeightedNode {
  readonly id: string
  readonly weight: number
}

// Weighted rendezvous (highest-random-weight) hashing: every server scores
// every key and the top R scores hold it. Adding a server moves only the keys
// it now wins, about R/N of them, and the order of the rest stays the same, so
// the primary of most keys does not change. With R = N it still spreads the
// primary role across servers, which spreads the read load.
function unitHash (nodeId: string, key: string): number {
  const digest = createHash('md5').update(nodeId).update('\0').update(key).digest()
  // 52 bits of the digest as a float in (0, 1): enough resolution, never 0 or 1
  const hi = digest.readUInt32BE(0) >>> 0
  const lo = digest.readUInt32BE(4) >>> 12
  return (hi * 2 ** 20 + lo + 0.5) / 2 ** 52
}

export function score (node: WeightedNode, key: string): number {
  return -node.weight / Math.log(unitHash(node.id, key))
}

/**
 * The nodes that hold `key`, best first. Pure: the same nodes and key always
 * give the same answer on every web node, which is what lets them share data.
 */
export function replicasFor<T extends WeightedNode> (nodes: readonly T[], key: string, count: number): T[] {
  if (count >= nodes.length && nodes.length <= 1) return [...nodes]
  const scored = nodes.map((node) => ({ node, s: score(node, key) }))
  scored.sort((a, b) => b.s - a.s)
  return scored.slice(0, Math.min(count, nodes.length)).map((x) => x.node)
}
