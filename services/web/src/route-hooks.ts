// Route-level hooks run after every instance-level one; both request metrics
// and Server-Timing add theirs to each route as Fastify adds it (onRoute).

/** A route's own hooks of one kind, as Fastify takes them (none, one or a list), with `hook` after them. */
export function withHookLast<E, H> (existing: E | readonly E[] | undefined, hook: H): Array<E | H> {
  if (existing === undefined) return [hook]
  return [...(Array.isArray(existing) ? existing as readonly E[] : [existing as E]), hook]
}
