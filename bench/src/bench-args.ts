// Command-line flags of the bench tools: util.parseArgs, strict (an unknown
// flag is an error, not ignored), and numbers checked, so `--seconds x` or
// `--rounds` without a value stops the run with a message instead of
// benchmarking NaN seconds.
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'

export class BenchArgsError extends Error {}

/** A whole number of at least `min`, from a flag's text; the fallback when the flag is absent. */
export function integerFlag (flag: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new BenchArgsError(`${flag} must be an integer of at least ${min}, got ${JSON.stringify(raw)}`)
  return n
}

/**
 * util.parseArgs over `argv`, strict; on a bad command line (an unknown flag,
 * a missing value, a bad number from `read`) prints the reason and `usage`
 * and exits with status 2.
 */
export function parseBenchArgs<T extends ParseArgsConfig['options'], R> (argv: readonly string[], options: T, usage: string, read: (parsed: ReturnType<typeof parseArgs<{ options: T, allowPositionals: true, strict: true }>>) => R): R {
  try {
    return read(parseArgs({ args: [...argv], options, allowPositionals: true, strict: true }))
  } catch (err) {
    if (!(err instanceof BenchArgsError) && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') !== true) throw err
    console.error(`${(err as Error).message}\n${usage}`)
    process.exit(2)
  }
}

/** For a tool that takes flags only. */
export function noPositionals (positionals: readonly string[]): void {
  if (positionals.length > 0) throw new BenchArgsError(`unexpected argument(s): ${positionals.join(' ')}`)
}

/** The flags of a load run (node-quick, proxy-bench): how long, how many rounds, and CPU profiles or not. */
export const LOAD_RUN_OPTIONS = {
  seconds: { type: 'string' },
  rounds: { type: 'string' },
  profile: { type: 'boolean' }
} as const

export interface LoadRunFlags {
  readonly seconds: number
  readonly rounds: number
  readonly profile: boolean
}

export function loadRunFlags (values: { seconds?: string, rounds?: string, profile?: boolean }, defaults: { seconds: number, rounds: number }): LoadRunFlags {
  return {
    seconds: integerFlag('--seconds', values.seconds, defaults.seconds),
    rounds: integerFlag('--rounds', values.rounds, defaults.rounds),
    profile: values.profile ?? false
  }
}

/** Where a checkout's web node is, once built (`npx tsc -b`). */
export const WEB_MAIN_PATH = 'services/web/dist/src/main.js'

/**
 * Another built checkout named by a flag (`--before DIR`): its absolute path,
 * or undefined when the flag is absent; an error naming the flag and the value
 * when it holds no built web node.
 */
export function checkoutFlag (flag: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined
  const dir = resolve(raw)
  if (raw.trim() === '' || !existsSync(join(dir, WEB_MAIN_PATH))) throw new BenchArgsError(`${flag} ${JSON.stringify(raw)}: no ${WEB_MAIN_PATH} in ${dir} (a built checkout: \`npm ci && npx tsc -b\` there)`)
  return dir
}
