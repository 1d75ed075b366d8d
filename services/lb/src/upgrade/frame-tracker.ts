/**
 * Follows WebSocket frame boundaries (RFC 6455 §5.2) in one direction of a
 * tunnel. It reads only the header fields that say how long each frame is:
 * nothing is buffered, copied or unmasked, so a relayed byte costs a few
 * comparisons. The LB needs the boundaries to put a close frame of its own
 * between two frames (a control frame may come between the fragments of a
 * message, never inside a frame).
 */
export class FrameTracker {
  private readonly header = Buffer.alloc(14)
  private headerHave = 0
  private headerNeed = 2
  private payloadLeft = 0
  /** Whether a close frame (opcode 8) has started in this direction. */
  closeSeen = false

  /** True between two frames (and before the first). */
  get atBoundary (): boolean {
    return this.headerHave === 0 && this.payloadLeft === 0
  }

  /**
   * Follows `chunk` and returns how many of its bytes it took: all of them,
   * or with `stopAtBoundary` only those up to the first frame boundary (0 when
   * the tracker is at one already), so the caller can relay that much and
   * put its own frame after it.
   */
  advance (chunk: Uint8Array, stopAtBoundary = false): number {
    let i = 0
    const length = chunk.length
    while (i < length) {
      if (stopAtBoundary && this.atBoundary) return i
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, length - i)
        this.payloadLeft -= take
        i += take
        continue
      }
      this.header[this.headerHave++] = chunk[i++] as number
      if (this.headerHave === 2) this.headerNeed = headerLength(this.header)
      if (this.headerHave === this.headerNeed) this.endHeader()
    }
    return i
  }

  private endHeader (): void {
    const header = this.header
    if ((header[0]! & 0x0f) === 0x08) this.closeSeen = true
    const length7 = header[1]! & 0x7f
    // A 64-bit length above 2^53 is not one a peer can send; Number keeps it exact below that.
    this.payloadLeft = length7 === 126 ? header.readUInt16BE(2) : length7 === 127 ? Number(header.readBigUInt64BE(2)) : length7
    this.headerHave = 0
    this.headerNeed = 2
  }
}

/** The whole header's length, known from its first two bytes: extended length and masking key included. */
function headerLength (header: Buffer): number {
  const length7 = header[1]! & 0x7f
  const masked = (header[1]! & 0x80) !== 0
  return 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + (masked ? 4 : 0)
}
