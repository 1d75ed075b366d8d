// Reads options through a TypeBox schema into STK_ERR_INVALID_OPTION errors that name the
// option and the value it got. TypeBox rather than ajv: the schema is plain JSON Schema, and
// its Value module checks it without compiling code at start, for one dependency with none
// of its own. Two keywords of our own: `expected`, the words a failure uses for what the
// option must be, and `secret`, a list whose entries are shown only by their length.
import type { TSchema } from '@sinclair/typebox'
import { Value, ValueErrorType } from '@sinclair/typebox/value'
import { storeError } from '../errors.js'

export function invalid (name: string, value: unknown, expected: string): never {
  throw storeError('STK_ERR_INVALID_OPTION', `${name} must be ${expected}, got ${show(value)}`)
}

/** A schema's `expected` words (TypeBox types unknown keywords as any). */
export function expectedOf (schema: TSchema | undefined, fallback = 'a valid value'): string {
  const words: unknown = schema?.expected
  return typeof words === 'string' ? words : fallback
}

function show (value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/**
 * A copy of the plain objects and arrays in `value`, for Value.Default, which writes into
 * what it is given: options may be frozen. It reads an undefined entry as missing.
 */
function plainCopy (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainCopy)
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainCopy(v)]))
}

/**
 * Fills the defaults, then throws for the first value the schema refuses, naming the
 * option (`prefix` + its path) by the outermost field that says what it expects.
 */
export function check<T> (schema: TSchema, input: object, prefix: string): T {
  const value: unknown = Value.Default(schema, plainCopy(input))
  const error = Value.Errors(schema, value).First()
  if (error === undefined) return value as T
  const [field = '', ...rest] = error.path.split('/').slice(1)
  const properties = (schema.properties ?? {}) as Record<string, TSchema>
  const top: TSchema | undefined = properties[field]
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    invalid(prefix + field, error.value, `a known option (${Object.keys(properties).join(', ')})`)
  }
  if (top === undefined) invalid(prefix.replace(/\.$/, ''), input, expectedOf(schema))
  const whole = (value as Record<string, unknown>)[field]
  if (top.secret === true) {
    invalid(prefix + field, Array.isArray(whole) ? whole.map((k: unknown) => typeof k === 'string' ? `<${k.length} chars>` : k) : '<hidden>', expectedOf(top))
  }
  if (rest.length === 0 || typeof top.expected !== 'string') return invalid(prefix + [field, ...rest].join('.'), error.value, expectedOf(error.schema, expectedOf(top)))
  return invalid(prefix + field, whole, expectedOf(top))
}
