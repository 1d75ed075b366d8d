// The session store's options as a web node derives them from its config:
// one mapping, for main.ts and for the tests that run the app on the real store.
import type { MemcachedStoreOptions } from '@stickless/memcached-store'
import type { WebConfig } from './config.js'
import { MAX_SESSIONS_PER_USER } from './session-data.js'

export function storeOptions (config: WebConfig): MemcachedStoreOptions {
  return {
    servers: config.sessionServers,
    previousServers: config.previousSessionServers,
    idleTimeoutMs: config.idleTimeoutMs,
    absoluteTimeoutMs: config.absoluteTimeoutMs,
    encryptionKeys: config.encryptionKeys.length > 0 ? config.encryptionKeys : undefined,
    userField: 'user',
    maxSessionsPerUser: MAX_SESSIONS_PER_USER
  }
}
