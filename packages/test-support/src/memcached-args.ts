// The one command line every test and benchmark memcached starts with, so a
// flag (the user when root, UDP off, the thread count) is decided once.

export interface MemcachedArgsOptions {
  /** Cache memory in MB (-m). Default 64. */
  readonly memoryMb?: number
  /** Worker threads (-t). Default 1: tests and benchmarks run several servers on few cores. */
  readonly threads?: number
  /** Connection limit (-c); memcached's own default (1024) when unset. */
  readonly maxConnections?: number
}

/**
 * `memcached` arguments for a loopback server on `port`. As root memcached
 * refuses to start without -u; it runs as root (not `nobody`) because the
 * TLS and SASL tests hand it files in private temporary directories that
 * `nobody` could not read, and every such server is on loopback only.
 */
export function memcachedArgs (port: number, options: MemcachedArgsOptions = {}): string[] {
  const asUser = process.getuid?.() === 0 ? ['-u', 'root'] : []
  const connections = options.maxConnections === undefined ? [] : ['-c', String(options.maxConnections)]
  return ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', String(options.memoryMb ?? 64), '-t', String(options.threads ?? 1), ...connections, ...asUser]
}
