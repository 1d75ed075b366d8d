import assert from 'node:assert/strict'
import { test } from 'node:test'
import { closeFrame } from '../../src/upgrade/close-frame.js'
import { FrameTracker } from '../../src/upgrade/frame-tracker.js'

/** A frame as a peer would send it: FIN set, the payload masked when `masked`. */
function frame (opcode: number, payload: Buffer, masked: boolean): Buffer {
  const length = payload.length
  const extended = length < 126 ? Buffer.alloc(0) : length < 65_536 ? Buffer.alloc(2) : Buffer.alloc(8)
  if (extended.length === 2) extended.writeUInt16BE(length)
  if (extended.length === 8) extended.writeBigUInt64BE(BigInt(length))
  const length7 = length < 126 ? length : length < 65_536 ? 126 : 127
  const head = Buffer.from([0x80 | opcode, length7 | (masked ? 0x80 : 0)])
  const key = masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0)
  const body = Buffer.from(payload)
  if (masked) for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!
  return Buffer.concat([head, extended, key, body])
}

test('boundaries after frames of each length form, masked or not, fed whole or a byte at a time', () => {
  for (const masked of [false, true]) {
    for (const size of [0, 1, 125, 126, 300, 65_535, 65_536, 70_000]) {
      const bytes = Buffer.concat([frame(1, Buffer.alloc(size, 0x61), masked), frame(9, Buffer.alloc(0), masked)])
      const whole = new FrameTracker()
      assert.equal(whole.advance(bytes), bytes.length)
      assert.equal(whole.atBoundary, true, `size ${size}, masked ${masked}`)

      const bytewise = new FrameTracker()
      const first = frame(1, Buffer.alloc(size, 0x61), masked).length
      for (let i = 0; i < bytes.length; i++) {
        bytewise.advance(bytes.subarray(i, i + 1))
        const expected = i + 1 === first || i + 1 === bytes.length
        if (bytewise.atBoundary !== expected) assert.fail(`size ${size}, masked ${masked}: boundary ${String(bytewise.atBoundary)} after byte ${i + 1}`)
      }
    }
  }
})

test('stopAtBoundary takes the bytes up to the end of the current frame and no more', () => {
  const tracker = new FrameTracker()
  const one = frame(2, Buffer.alloc(200, 1), true)
  const two = frame(2, Buffer.alloc(10, 2), true)
  assert.equal(tracker.advance(one.subarray(0, 50)), 50)
  assert.equal(tracker.atBoundary, false)
  const rest = Buffer.concat([one.subarray(50), two])
  assert.equal(tracker.advance(rest, true), one.length - 50, 'stops where the first frame ends')
  assert.equal(tracker.atBoundary, true)
  assert.equal(tracker.advance(two, true), 0, 'already at a boundary: takes nothing')
})

test('closeSeen says a close frame went this way', () => {
  const tracker = new FrameTracker()
  tracker.advance(frame(1, Buffer.from('hi'), false))
  assert.equal(tracker.closeSeen, false)
  tracker.advance(closeFrame(4001, 'session ended', false))
  assert.equal(tracker.closeSeen, true)
})

test('closeFrame: FIN and opcode 8, the code and reason, masked only when sent in a client\'s place', () => {
  for (const masked of [false, true]) {
    const bytes = closeFrame(1001, 'the load balancer shuts down', masked)
    assert.equal(bytes[0], 0x88)
    assert.equal((bytes[1]! & 0x80) !== 0, masked)
    const length = bytes[1]! & 0x7f
    const key = masked ? bytes.subarray(2, 6) : undefined
    const payload = Buffer.from(bytes.subarray(masked ? 6 : 2))
    assert.equal(payload.length, length)
    if (key !== undefined) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i % 4]!
    assert.equal(payload.readUInt16BE(0), 1001)
    assert.equal(payload.subarray(2).toString(), 'the load balancer shuts down')
  }
  assert.equal(closeFrame(1001, 'x'.repeat(300), false).length, 2 + 125, 'a reason is cut to fit a control frame')
})
