import { format } from 'node:util'

/** An error with a stable `code` and the HTTP status it maps to (fastify lib/errors.js style). */
export interface LbError extends Error {
  readonly code: string
  readonly statusCode: number
}

export interface LbErrorClass {
  new (...args: unknown[]): LbError
  readonly code: string
  readonly statusCode: number
  readonly template: string
}

/** Makes an error class whose message is `template` formatted with the constructor arguments. */
export function createError (code: string, template: string, statusCode = 500, Base: ErrorConstructor = Error): LbErrorClass {
  class StklessLbError extends Base implements LbError {
    static readonly code = code
    static readonly statusCode = statusCode
    static readonly template = template
    readonly code = code
    readonly statusCode = statusCode

    constructor (...args: unknown[]) {
      super(format(template, ...args))
      this.name = `${Base.name} [${code}]`
    }
  }
  return StklessLbError
}
