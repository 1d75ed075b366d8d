import { format } from 'node:util'

/** An error with a stable `code`, made once per failure kind (fastify lib/errors.js style). */
export interface CodedError extends Error {
  readonly code: string
}

export interface CodedErrorClass {
  new (...args: unknown[]): CodedError
  readonly code: string
  readonly template: string
}

/**
 * Makes an error class whose message is `template` formatted with the
 * constructor arguments (util.format placeholders), so call sites only pass
 * the values and the wording lives in one table.
 */
export function createError (code: string, template: string, Base: ErrorConstructor = Error): CodedErrorClass {
  class StklessError extends Base implements CodedError {
    static readonly code = code
    static readonly template = template
    readonly code = code

    constructor (...args: unknown[]) {
      super(format(template, ...args))
      this.name = `${Base.name} [${code}]`
    }
  }
  return StklessError
}
