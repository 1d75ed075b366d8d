import type { CodedErrorClass } from './errors.js'

// Small guards shared by the options validators, so each validator reads as a
// list of rules and every failure names the option and the value it got.

export function checkInteger (
  InvalidOption: CodedErrorClass,
  name: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`
    throw new InvalidOption(name, `expected ${range}`, value)
  }
  return value
}

export function checkBoolean (InvalidOption: CodedErrorClass, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidOption(name, 'expected a boolean', value)
  return value
}

export function checkFunction<T extends (...args: never[]) => unknown> (
  InvalidOption: CodedErrorClass,
  name: string,
  value: unknown
): T {
  if (typeof value !== 'function') throw new InvalidOption(name, 'expected a function', value)
  return value as T
}

export function checkKnownKeys (
  InvalidOption: CodedErrorClass,
  given: object,
  known: readonly string[]
): void {
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) throw new InvalidOption(key, `unknown option; known: ${known.join(', ')}`, (given as Record<string, unknown>)[key])
  }
}
