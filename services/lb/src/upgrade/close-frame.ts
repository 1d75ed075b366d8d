import { randomBytes } from 'node:crypto'

/** Close codes the LB sends (RFC 6455 §7.4.1). */
export const closeCodes = Object.freeze({
  /** The LB shuts down, or the connection was idle too long: the client should reconnect. */
  goingAway: 1001
})

/**
 * A close frame with `code` and a short reason. Frames a server sends are
 * unmasked; frames a client sends must be masked (RFC 6455 §5.1), so the one
 * the LB sends to a node, in the client's place, is.
 */
export function closeFrame (code: number, reason: string, masked: boolean): Buffer {
  const text = Buffer.from(reason, 'utf8').subarray(0, 123)
  const payload = Buffer.alloc(2 + text.length)
  payload.writeUInt16BE(code, 0)
  text.copy(payload, 2)
  const header = Buffer.from([0x88, payload.length | (masked ? 0x80 : 0)])
  if (!masked) return Buffer.concat([header, payload])
  const key = randomBytes(4)
  for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i % 4]!
  return Buffer.concat([header, key, payload])
}
