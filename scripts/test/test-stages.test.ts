import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { STAGES, TEST_CONCURRENCY, nodeTestsPlan } from '../src/test-runner/test-stages.js'

test('node tests: the files side by side, then the whole-cluster ones one at a time', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'stickless-test-stages-'))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  writeFileSync(join(root, 'package.json'), JSON.stringify({ workspaces: ['packages/a', 'e2e'] }))
  for (const file of ['packages/a/test/unit.test.ts', 'packages/a/dist/test/unit.test.js', 'e2e/test/cluster.test.ts', 'e2e/dist/test/cluster.test.js']) {
    mkdirSync(join(root, file, '..'), { recursive: true })
    writeFileSync(join(root, file), '')
  }
  const saved = process.env.TEST_CONCURRENCY
  delete process.env.TEST_CONCURRENCY
  t.after(() => { if (saved !== undefined) process.env.TEST_CONCURRENCY = saved })
  const node = { found: true as const, path: '/opt/node-lts/bin/node', how: 'the LTS' }
  const together = nodeTestsPlan(root, node, 'together')
  const alone = nodeTestsPlan(root, node, 'alone')
  assert.ok(together.run && alone.run)
  assert.equal(TEST_CONCURRENCY, 2)
  assert.deepEqual(together.args.slice(-2), ['--test-concurrency=2', 'packages/a/dist/test/unit.test.js'])
  assert.deepEqual(alone.args.slice(-2), ['--test-concurrency=1', 'e2e/dist/test/cluster.test.js'])
  assert.equal(together.command, node.path)
  assert.equal(alone.command, node.path)
  assert.ok(STAGES.findIndex((s) => s.name === 'node tests') < STAGES.findIndex((s) => s.name === 'node tests alone'))
})

test('the node tests run once, on one Node: no stage repeats them on another', () => {
  assert.deepEqual(STAGES.map((s) => s.name), ['lint', 'node tests', 'node tests alone', 'compose config', 'chaos', 'e2e'])
})

test('a Node that could not be had fails the node test stages instead of skipping them', () => {
  const plan = nodeTestsPlan(tmpdir(), { found: false, reason: 'npm pack failed' }, 'together')
  assert.deepEqual(plan, { run: false, reason: 'npm pack failed', failed: true })
})
