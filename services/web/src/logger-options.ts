// pino options of a node, shared by main.ts and the logging test.
import type { LoggerOptions } from 'pino'
import type { WebConfig } from './config.js'

export function loggerOptions (config: Pick<WebConfig, 'logLevel' | 'nodeName'>): LoggerOptions {
  return {
    level: config.logLevel,
    base: { node: config.nodeName },
    // Cookies are credentials (a logged session id is a stolen session);
    // they never reach a log line.
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', 'headers.cookie'],
      censor: '[redacted]'
    }
  }
}
