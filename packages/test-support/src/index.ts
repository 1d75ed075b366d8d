export { freePort } from './free-port.js'
export { pollUntil, waitFor, sleep, type PollOptions } from './wait-for.js'
export { MemcachedProcess, startMemcached } from './memcached-process.js'
export { stats, rawGet, rawCommand, sessionKey } from './memcached-stats.js'
