// The live-channel client of @stickless/test-support, pointed at a node's
// /api/live by port, for the web tests: a socket resolves once open (the
// tests wait for hello themselves), a refusal gives the HTTP answer.
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import { openLiveSocket, refusedUpgrade as refused, type LiveRefusedError, type LiveSocket } from '@stickless/test-support'

export { closeOf, type LiveMessage } from '@stickless/test-support'
export type LiveClient = LiveSocket

export async function listening (app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as AddressInfo).port
}

function liveUrl (port: number): string {
  return `ws://127.0.0.1:${port}/api/live`
}

/** Opens a live socket; rejects with LiveRefusedError (its HTTP status) when the upgrade is refused. */
export async function openLive (port: number, headers: Record<string, string> = {}, options: { autoPong?: boolean } = {}): Promise<LiveClient> {
  return await openLiveSocket(liveUrl(port), { headers, waitFor: 'open', timeoutMs: 5_000, ...options })
}

/** An upgrade the node must refuse: its HTTP answer (never a 101). */
export async function refusedUpgrade (port: number, headers: Record<string, string> = {}): Promise<LiveRefusedError> {
  return await refused(liveUrl(port), { headers, timeoutMs: 5_000 })
}
