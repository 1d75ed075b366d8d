import type { WebConfig } from './config.js'
import type { WebSessionStore } from './session-store.js'
import type { LoginLimiter } from './auth/login-limiter.js'
import type { WebMetrics } from './metrics.js'
import type { Lifecycle } from './lifecycle.js'
import type { NodesStatusSource } from './nodes-status.js'
import type { SessionLogId } from './session-log-id.js'
import type { SessionHandle } from './session-handle.js'
import type { LiveChannel } from './live/live-channel.js'

/** What route plugins receive as options: everything built once per app. */
export interface RouteDependencies {
  readonly config: WebConfig
  readonly store: WebSessionStore
  readonly limiter: LoginLimiter
  readonly metrics: WebMetrics
  readonly lifecycle: Lifecycle
  readonly nodes: NodesStatusSource
  readonly sessionLogId: SessionLogId
  readonly sessionHandle: SessionHandle
  readonly live: LiveChannel
}
