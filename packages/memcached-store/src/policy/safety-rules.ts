// The replication protocol's safety rules, named so that the deterministic
// simulation (sim/, `npm run simulate -- --break NAME`) can switch one off and
// show that it is needed: a run without it must violate an invariant.
// Production code never changes them; only the simulation's process does.
export const SAFETY_RULES = {
  /** the first replica takes a write with `cas` (or `add`), which orders concurrent writers (replicated-write.ts) */
  'first-replica-cas': true,
  /** a copy that diverged on another replica is merged in, never overwritten (replicated-write.ts, reconcile) */
  'merge-diverged': true,
  /** a destroyed session leaves a tombstone that no stale copy or late write outranks (store.ts) */
  tombstones: true,
  /** a server that was down is refilled before it serves reads (server-health.ts) */
  'refill-before-serving': true,
  /** every command waiting on a silent server gives up at one deadline, counted from the silence (silence.ts) */
  'one-wait': true,
  /** a node that writes past a server tells the others to stop reading it (server-watch.ts) */
  'skip-markers': true
}

export type SafetyRule = keyof typeof SAFETY_RULES
