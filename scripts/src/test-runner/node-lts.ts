import { nodeOfMajor as nodeOf, type NodeBinary } from '@stickless/test-support'

/**
 * The active Node LTS line. `npm test` runs the unit and integration tests on
 * it, whatever Node the machine carries (an older one may still be there:
 * Node 20 reached end of life on 2026-04-30), fetched when the machine's is
 * another. The store's adoption test covers the older lines its `engines`
 * promise, so the tests run once, not once per Node.
 */
export const NODE_LTS_MAJOR = 26

export { nodeCacheDir, type NodeBinary } from '@stickless/test-support'

/** A `node` of the given major (the LTS by default): see test-support's nodeOfMajor. */
export function nodeOfMajor (rootDir: string, major: number = NODE_LTS_MAJOR): NodeBinary {
  return nodeOf(rootDir, major)
}
