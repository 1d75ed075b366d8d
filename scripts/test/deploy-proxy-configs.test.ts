import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { findProxy, PROXY_KINDS, RECIPE_FILES, skipUnlessInstalled, writeProxyConfig, type ProxyKind, type RecipeValues } from './helpers/proxy-recipes.js'

// deploy/nginx and deploy/haproxy are configurations their own
// checkers accept (`nginx -t`, `haproxy -c`), without a warning, once the
// placeholders are filled in the way a production host would fill them; and
// the check does fail on a broken file.

const PRODUCTION: Record<ProxyKind, RecipeValues> = {
  nginx: { listen: '80', sourceAddress: 'off', webServers: [{ name: 'web-1', address: '10.0.1.11:3000' }, { name: 'web-2', address: '10.0.1.12:3000' }, { name: 'web-3', address: '10.0.1.13:3000' }] },
  haproxy: { listen: ':80', sourceAddress: '0.0.0.0', webServers: [{ name: 'web-1', address: '10.0.1.11:3000' }, { name: 'web-2', address: '10.0.1.12:3000' }, { name: 'web-3', address: '10.0.1.13:3000' }] }
}

function check (kind: ProxyKind, recipe?: string): { status: number | null, output: string } {
  const dir = mkdtempSync(join(tmpdir(), `stickless-${kind}-check-`))
  try {
    const { check: args } = writeProxyConfig(kind, dir, PRODUCTION[kind], recipe)
    const run = spawnSync(findProxy(kind) ?? kind, args, { encoding: 'utf8', timeout: 30_000 })
    return { status: run.status, output: `${run.stdout}${run.stderr}` }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

for (const kind of PROXY_KINDS) {
  test(`deploy/${kind}: the recipe's placeholders are LISTEN, WEB_SERVERS and SOURCE_ADDRESS`, () => {
    const placeholders = new Set(readFileSync(RECIPE_FILES[kind], 'utf8').match(/\{\{[A-Z_]+\}\}/g))
    assert.deepEqual([...placeholders].sort(), ['{{LISTEN}}', '{{SOURCE_ADDRESS}}', '{{WEB_SERVERS}}'])
  })

  test(`deploy/${kind}: ${kind === 'nginx' ? 'nginx -t' : 'haproxy -c'} accepts the filled-in recipe without a warning`, { skip: skipUnlessInstalled(kind) }, () => {
    const { status, output } = check(kind)
    assert.equal(status, 0, output)
    assert.doesNotMatch(output, /\[warn\]|\[WARNING\]|\[ALERT\]/, output)
  })

  test(`deploy/${kind}: the check fails on a broken recipe`, { skip: skipUnlessInstalled(kind) }, () => {
    const recipe = readFileSync(RECIPE_FILES[kind], 'utf8')
    const broken = kind === 'nginx'
      ? recipe.replace('proxy_next_upstream error timeout;', 'proxy_next_upstream error timout;')
      : recipe.replace('retry-on conn-failure empty-response', 'retry-on conn-failure empty-responses')
    assert.notEqual(broken, recipe)
    const { status, output } = check(kind, broken)
    assert.notEqual(status, 0, output)
    assert.match(output, kind === 'nginx' ? /invalid value "timout"/ : /empty-responses/)
  })
}
