// Values are JSON, so parsing runs no code. Two things plain JSON gets wrong
// for sessions are handled here: Dates come back as Dates (tagged as
// {"$date": iso}), and keys that would reach an object's prototype when
// @fastify/session copies the fields onto its Session (`__proto__`,
// `constructor`, `prototype`) are dropped on the way in.

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
const DATE_TAG = '$date'

function replacer (this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key]
  if (raw instanceof Date) {
    return { [DATE_TAG]: Number.isNaN(raw.getTime()) ? null : raw.toISOString() }
  }
  return value
}

function reviver (key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) return undefined
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const tagged = (value as Record<string, unknown>)[DATE_TAG]
    if (tagged !== undefined && Object.keys(value).length === 1) {
      return typeof tagged === 'string' ? new Date(tagged) : new Date(NaN)
    }
  }
  return value
}

export function encodeJson (value: unknown): string {
  return JSON.stringify(value, replacer)
}

// A reviver makes JSON.parse several times slower, and most sessions hold no
// Date and no dangerous key; a scan for the markers is far cheaper than that.
function needsReviver (text: string): boolean {
  return text.includes(DATE_TAG) || text.includes('__proto__') || text.includes('constructor') || text.includes('prototype')
}

export function decodeJson (text: string): unknown {
  return needsReviver(text) ? JSON.parse(text, reviver) : JSON.parse(text)
}

/**
 * A copy of what decodeJson returned that shares nothing mutable with it (its
 * objects, arrays and Dates are new; strings are immutable and shared), the
 * same to every reader: same keys in the same order, same values, at about
 * half the cost of parsing the text again (less for large sessions).
 */
export function copyDecoded<T> (value: T): T {
  return copyValue(value) as T
}

function copyValue (value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) {
    const out: unknown[] = value.slice()
    for (let i = 0; i < out.length; i++) {
      const item = out[i]
      if (typeof item === 'object' && item !== null) out[i] = copyValue(item)
    }
    return out
  }
  if (value instanceof Date) return new Date(value.getTime())
  // a spread copies the object's own fields in order at once (faster than adding them one by one); then what they hold is copied
  const out: Record<string, unknown> = { ...value }
  for (const key in out) {
    const item = out[key]
    if (typeof item === 'object' && item !== null) out[key] = copyValue(item)
  }
  return out
}
