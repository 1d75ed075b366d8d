import { Type, type TObject, type TSchema } from '@sinclair/typebox'
import { Value, ValueErrorType } from '@sinclair/typebox/value'

// Options are TypeBox schemas (JSON Schema, checked by TypeBox's Value module
// without compiling code at start, so no ajv). The balancer and the LB share
// this reader, since their coded errors take the same three arguments.

/** A coded error class made from the option's name, what it expects and the value it got. */
export type InvalidOptionError = new (name: string, detail: string, value: unknown) => Error

/** An integer option; `expected` wording follows from the range. */
export function integer (minimum: number, maximum?: number, fallback?: number): TSchema {
  return Type.Integer({ minimum, maximum, default: fallback })
}

/** What a failure says the option must be: the schema's own `expected` keyword, or words for its type. */
function expectation (schema: TSchema): string {
  if (typeof schema.expected === 'string') return schema.expected
  if (schema.type === 'integer') {
    return schema.maximum === undefined ? `expected an integer >= ${schema.minimum}` : `expected an integer from ${schema.minimum} to ${schema.maximum}`
  }
  return `expected ${/^[aeiou]/i.test(String(schema.type)) ? 'an' : 'a'} ${String(schema.type).toLowerCase()}`
}

/**
 * Fills the defaults, then throws `Invalid` for the first option the schema
 * refuses. `{ a: undefined }` means "use the default", as a missing key does.
 * An option whose schema has `expected` is named whole, not by the element inside it.
 */
export function resolveWithSchema<T> (schema: TObject, given: unknown, Invalid: InvalidOptionError): Readonly<T> {
  if (given === null || typeof given !== 'object') throw new Invalid('(options)', 'expected an object', given)
  const value = Value.Default(schema, plainCopy(given)) as Record<string, unknown>
  const error = Value.Errors(schema, value).First()
  if (error === undefined) return Object.freeze(value) as Readonly<T>
  const field = error.path.split('/')[1] ?? ''
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    throw new Invalid(field, `unknown option; known: ${Object.keys(schema.properties).join(', ')}`, error.value)
  }
  const top = schema.properties[field]
  if (top !== undefined && typeof top.expected === 'string') throw new Invalid(field, top.expected, value[field])
  throw new Invalid(error.path.slice(1).replaceAll('/', '.'), expectation(error.schema), error.value)
}

/**
 * A copy of the plain objects and arrays in `value`; anything else (functions, Buffers) is
 * kept as it is. Value.Default writes into what it is given, and the caller's options may be
 * frozen, so it gets this copy. It reads an undefined entry as missing.
 */
function plainCopy (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainCopy)
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainCopy(v)]))
}
