// The handle of a session in "Your sessions": what a page may name a session
// by, to revoke it. An HMAC-SHA256 of the session id under a key derived
// (HKDF, a label of its own) from the signing secret, so every node computes
// the same handle; it cannot be turned back into the id, and having no "."
// it never reads as a signed cookie.
import { createHmac, hkdfSync } from 'node:crypto'
import { BoundedMap } from '@stickless/memcached-store'

export type SessionHandle = (sessionId: string) => string

/** Handles remembered per node: one HMAC per session, not one per listing. */
const REMEMBERED_HANDLES = 20_000
const HANDLE_LABEL = 'stickless session handle v1'

/** 32 bytes in base64url, nothing else: anything else names no session. */
const HANDLE_SHAPE = /^[A-Za-z0-9_-]{43}$/

export function isHandleShaped (text: string): boolean {
  return HANDLE_SHAPE.test(text)
}

export function createSessionHandle (secret: string): SessionHandle {
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), HANDLE_LABEL, 32))
  const known = new BoundedMap<string, string>(REMEMBERED_HANDLES)
  return function sessionHandle (sessionId: string): string {
    let handle = known.get(sessionId)
    if (handle === undefined) {
      handle = createHmac('sha256', key).update(sessionId).digest('base64url')
      known.set(sessionId, handle)
    }
    return handle
  }
}
