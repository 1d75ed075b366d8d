import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * Which request of the workload runs now: the simulation runs each request in
 * this context, the simulated clock carries it into the timers a request sets
 * (as Node's timers carry async context), and the network tags each command
 * with it, so a wait can be charged to the request that waited.
 */
export const requestContext = new AsyncLocalStorage<number>()
