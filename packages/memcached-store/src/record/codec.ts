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
