// `npm run bench [-- --quick] [-- store]`: runs the benchmark suites and
// writes bench/RESULTS.md. Every server it needs it starts and stops itself.
import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { execFileSync } from 'node:child_process'
import { FULL, QUICK, runStoreBench, storeSection } from './store-bench.js'

function version (cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0] ?? '?'
  } catch {
    return 'not installed'
  }
}

async function main (): Promise<void> {
  const args = process.argv.slice(2)
  const quick = args.includes('--quick')
  const log = (line: string): void => { console.log(`[bench] ${line}`) }
  const started = Date.now()
  const store = await runStoreBench(quick ? QUICK : FULL, log)
  const header = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 10)} in ${Math.round((Date.now() - started) / 1000)} s.`,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${version('memcached', ['-V'])}.`,
    'The machine is shared and noisy: every figure that matters is a ratio against a peer measured in the same run.',
    ''
  ].join('\n')
  writeFileSync(new URL('../../RESULTS.md', import.meta.url), `${header}\n${storeSection(store)}`)
  log(JSON.stringify(store, null, 1))
  log('wrote bench/RESULTS.md')
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
