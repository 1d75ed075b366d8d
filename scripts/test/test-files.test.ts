import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { compiledTestFiles, RUN_ALONE, splitTestFiles, workspaceDirs } from '../src/test-runner/test-files.js'

test('finds dist/test/**/*.test.js with a source in every workspace, globs included, and nothing else', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'stickless-test-files-'))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  writeFileSync(join(root, 'package.json'), JSON.stringify({ workspaces: ['packages/*', 'scripts', 'missing'] }))
  const files = [
    'packages/a/test/one.test.ts',
    'packages/a/dist/test/one.test.js',
    'packages/a/test/nested/two.test.ts',
    'packages/a/dist/test/nested/two.test.js',
    'packages/a/test/helper.ts',
    'packages/a/dist/test/helper.js',
    'packages/a/dist/test/renamed-away.test.js',
    'packages/a/dist/src/three.test.js',
    'packages/b/src/four.test.js',
    'scripts/test/five.test.ts',
    'scripts/dist/test/five.test.js'
  ]
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true })
    writeFileSync(join(root, file), '')
  }
  assert.deepEqual(workspaceDirs(root).sort(), ['packages/a', 'packages/b', 'scripts'])
  assert.deepEqual(compiledTestFiles(root), [
    'packages/a/dist/test/nested/two.test.js',
    'packages/a/dist/test/one.test.js',
    'scripts/dist/test/five.test.js'
  ])
})

test('whole-cluster tests run alone, after the rest; everything else side by side, in order', () => {
  const files = [
    'e2e/dist/test/partition-cluster.test.js',
    'packages/memcached-store/dist/test/failover.test.js',
    'scripts/dist/test/start-signals.test.js',
    'scripts/dist/test/supervisor.test.js',
    'services/lb/dist/test/cluster-workers.test.js'
  ]
  assert.deepEqual(splitTestFiles(files), {
    together: ['packages/memcached-store/dist/test/failover.test.js', 'scripts/dist/test/supervisor.test.js', 'services/lb/dist/test/cluster-workers.test.js'],
    alone: ['e2e/dist/test/partition-cluster.test.js', 'scripts/dist/test/start-signals.test.js']
  })
  assert.ok(RUN_ALONE.includes('e2e/'), 'every e2e file, partition tests included')
  // a prefix without a trailing slash names one file, not every file that starts with it
  assert.deepEqual(splitTestFiles(['scripts/dist/test/start-signals.test.js.map', 'a/b.test.js'], ['scripts/dist/test/start-signals.test.js', 'a/']).alone, ['a/b.test.js'])
})
