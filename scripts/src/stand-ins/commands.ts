import { fileURLToPath } from 'node:url'
import type { CommandSpec } from '../cluster/cluster-options.js'

/**
 * Commands that run the stand-in web node and LB, for `new Cluster({ commands:
 * standInCommands() })` in tests that exercise the cluster itself rather than
 * the real services.
 */
export function standInCommands (): { web: CommandSpec, lb: CommandSpec } {
  return {
    web: { command: process.execPath, args: [fileURLToPath(new URL('./web.js', import.meta.url))] },
    lb: { command: process.execPath, args: [fileURLToPath(new URL('./lb.js', import.meta.url))] }
  }
}
