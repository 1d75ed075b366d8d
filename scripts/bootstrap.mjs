#!/usr/bin/env node
// The one entry point behind `npm start`, `npm test` and `npm run bench`.
// It is plain JavaScript with no dependencies because it runs before
// anything is installed or compiled: it installs what is missing (npm
// packages; memcached, chromium, docker-compose through apt-get when root;
// on macOS it prints the Homebrew commands instead),
// builds with one `tsc -b`, then hands over to the compiled programs.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const [command = 'test', ...rest] = process.argv.slice(2)

/** Debian package that provides each executable we need, per command. */
const APT_NEEDS = {
  start: { memcached: 'memcached' },
  // nginx and haproxy: the deploy/ recipes are checked (nginx -t, haproxy -c) and smoke-tested in front of the cluster.
  test: { memcached: 'memcached', chromium: 'chromium', 'docker-compose': 'docker-compose', nginx: 'nginx', haproxy: 'haproxy' },
  bench: { memcached: 'memcached', nginx: 'nginx', haproxy: 'haproxy', wrk: 'wrk' },
  // the simulation's servers are simulated: nothing to install
  simulate: {}
}

// The simulation's standard output is its report alone (scripts read its lines), so there this goes to stderr.
function log (msg) { (command === 'simulate' ? console.error : console.log)(`\x1b[36m[stickless]\x1b[0m ${msg}`) }

function run (cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts })
  if (r.error) throw r.error
  return r.status ?? 1
}

function mustRun (cmd, args, opts) {
  const status = run(cmd, args, opts)
  if (status !== 0) {
    log(`\`${cmd} ${args.join(' ')}\` failed with exit code ${status}`)
    process.exit(status)
  }
}

function which (bin) {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin'])
  return dirs.map((d) => join(d, bin)).find((p) => existsSync(p))
}

/**
 * Whether what `bin` stands for is there. On macOS, Chromium is Playwright's
 * own build in its cache, and Docker Desktop's `docker compose` stands in for
 * docker-compose.
 */
function present (bin) {
  if (which(bin)) return true
  if (process.platform !== 'darwin') return false
  if (bin === 'chromium') {
    const cache = process.env.PLAYWRIGHT_BROWSERS_PATH ?? join(homedir(), 'Library', 'Caches', 'ms-playwright')
    return existsSync(cache) && readdirSync(cache).some((name) => name.startsWith('chromium'))
  }
  if (bin === 'docker-compose') return which('docker') !== undefined
  return false
}

function ensureSystemPackages (needs) {
  const missing = Object.entries(needs).filter(([bin]) => !present(bin)).map(([, pkg]) => pkg)
  if (missing.length === 0) return
  if (process.platform === 'darwin') adviseHomebrew(missing)
  const cmd = `apt-get update && apt-get install -y ${missing.join(' ')}`
  if (process.getuid?.() !== 0) {
    log(`missing system packages: ${missing.join(', ')}. Install them with:\n\n  sudo sh -c '${cmd}'\n`)
    process.exit(1)
  }
  log(`installing ${missing.join(', ')} with apt-get`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  mustRun('apt-get', ['update', '-qq'], { env })
  mustRun('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env })
}

/**
 * macOS has no apt-get: say the Homebrew commands and stop. Chromium is not
 * a Homebrew formula; Playwright's own build runs there (e2e/fixtures/chromium.ts
 * uses it wherever /usr/bin/chromium is absent).
 */
function adviseHomebrew (missing) {
  const formulae = missing.filter((pkg) => pkg !== 'chromium' && pkg !== 'docker-compose')
  const commands = []
  if (formulae.length > 0) commands.push(`brew install ${formulae.join(' ')}`)
  if (missing.includes('chromium')) commands.push('npx playwright install chromium')
  if (missing.includes('docker-compose')) commands.push('brew install docker-compose   # or Docker Desktop (its `docker compose` does)')
  log(`missing: ${missing.join(', ')}. On macOS, install them with Homebrew (https://brew.sh):\n\n  ${commands.join('\n  ')}\n`)
  process.exit(1)
}

function ensureNpmPackages () {
  const marker = join(root, 'node_modules', '.package-lock.json')
  const lock = join(root, 'package-lock.json')
  if (existsSync(marker) && (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs)) return
  log('installing npm packages')
  mustRun('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'])
}

function build () {
  log('building (tsc -b)')
  mustRun(join(root, 'node_modules', '.bin', 'tsc'), ['-b'])
}

const needs = APT_NEEDS[command]
if (!needs) {
  console.error('usage: bootstrap.mjs start|test|bench|simulate [args]')
  process.exit(2)
}
// Node's release schedule as of December 2026: 26 is the active LTS, 22 and
// 24 are maintenance LTS lines, 20 and older are past their end of life.
const nodeMajor = Number(process.versions.node.split('.')[0])
if (nodeMajor < 22) {
  // Said, not enforced: CI machines may still carry Node 20, and `npm test` runs
  // the unit and integration tests on Node 26, the active LTS, fetched when the
  // machine's Node is another (scripts/src/test-runner/node-lts.ts).
  log(`Node ${process.version} is past its end of life and older than the >=22 that the dependency tree declares (cookie@2, under fastify). stickless runs on it, but use Node 26, the active LTS.`)
} else if (nodeMajor === 22 || nodeMajor === 24) {
  log(`Node ${process.version} is a maintenance LTS line: supported. The images and the tests run on Node 26, the active LTS.`)
}
ensureNpmPackages()
ensureSystemPackages(needs)
build()

/**
 * Runs the cluster runner and stays its parent until it exits, with its code.
 * Process managers, CI and `timeout` signal one PID (npm's, which forwards
 * SIGINT and SIGTERM to us, or ours), so every stop signal is passed on.
 * The runner gets a process group of its own: a terminal's Ctrl-C then
 * reaches it once, through us, instead of twice (once from the terminal,
 * once forwarded), which it would take for "stop now, skip the grace".
 * The IPC channel tells it when we are gone, even after a SIGKILL.
 */
function runForwardingSignals (script, args) {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: root,
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached: true,
    env: { ...process.env, STICKLESS_LAUNCHER_PID: String(process.pid) }
  })
  let forwarded = 0
  const forward = (signal) => {
    forwarded++
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward)
  // npm 11 does not pass SIGTERM on: it exits at once and leaves its script
  // running. When npm started us, its disappearance is our stop signal,
  // unless a signal is already on its way (a Ctrl-C reaches npm and us at
  // once, and a second signal would tell the runner to skip the grace).
  if (process.env.npm_lifecycle_event !== undefined) {
    const parent = process.ppid
    const watch = setInterval(() => {
      if (process.ppid === parent) return
      clearInterval(watch)
      if (forwarded === 0) forward('SIGTERM')
    }, 250)
    watch.unref()
  }
  child.on('error', (err) => { log(`could not start ${script}: ${err.message}`); process.exit(1) })
  child.on('exit', (code, signal) => {
    const signals = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }
    process.exit(code ?? 128 + (signals[signal] ?? 0))
  })
}

if (command === 'start') {
  runForwardingSignals(join(root, 'scripts/dist/src/start/start.js'), rest)
} else if (command === 'simulate') {
  process.exit(run(process.execPath, [join(root, 'packages/memcached-store/dist/sim/main.js'), ...rest]))
} else if (command === 'bench') {
  process.exit(run(process.execPath, [join(root, 'bench/dist/src/main.js'), ...rest]))
} else {
  // test: every stage runs, in order of cost, and the first failure stops the run.
  process.exit(run(process.execPath, [join(root, 'scripts/dist/src/test-runner/test-all.js'), ...rest]))
}
