// Fastify gives every request a child of the node's logger, bound to its
// request id. pino builds a child by serializing its bindings, about 0.4 µs,
// and most requests never log a line (the access log is off by default). This
// child is built on the first line instead: the same logger, the same lines.
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'pino'

function forward (logger: FastifyBaseLogger, method: keyof Pick<FastifyBaseLogger, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>, args: unknown[]): void {
  Reflect.apply(logger[method], logger, args)
}

class LazyRequestLogger {
  private built: FastifyBaseLogger | undefined

  constructor (private readonly parent: FastifyBaseLogger, private readonly bindings: Bindings, private readonly options: ChildLoggerOptions) {}

  private get logger (): FastifyBaseLogger {
    this.built ??= this.parent.child(this.bindings, this.options)
    return this.built
  }

  get level (): string {
    return this.built?.level ?? this.options.level ?? this.parent.level
  }

  set level (level: string) {
    this.logger.level = level
  }

  // methods on the prototype: a request that never logs allocates nothing but this object
  fatal (...args: unknown[]): void { forward(this.logger, 'fatal', args) }
  error (...args: unknown[]): void { forward(this.logger, 'error', args) }
  warn (...args: unknown[]): void { forward(this.logger, 'warn', args) }
  info (...args: unknown[]): void { forward(this.logger, 'info', args) }
  debug (...args: unknown[]): void { forward(this.logger, 'debug', args) }
  trace (...args: unknown[]): void { forward(this.logger, 'trace', args) }
  silent (...args: unknown[]): void { forward(this.logger, 'silent', args) }

  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options)
  }
}

/** Fastify's childLoggerFactory: a request's logger, built when it first logs. */
export const lazyRequestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = function lazyRequestLogger (logger, bindings, options) {
  // the same methods as FastifyBaseLogger's, each taking what pino's takes
  return new LazyRequestLogger(logger, bindings, options)
}
