import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { STAGES, TEST_CONCURRENCY } from '../src/test-stages.js'

void test('node tests: the files side by side, then the whole-cluster ones one at a time', (t) => {
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
  const plan = (name: string): ReturnType<(typeof STAGES)[number]['plan']> => {
    const stage = STAGES.find((s) => s.name === name)
    assert.ok(stage !== undefined, `a stage named ${name}`)
    return stage.plan(root)
  }
  const together = plan('node tests')
  const alone = plan('node tests alone')
  assert.ok(together.run && alone.run)
  assert.equal(TEST_CONCURRENCY, 2)
  assert.deepEqual(together.args.slice(-2), ['--test-concurrency=2', 'packages/a/dist/test/unit.test.js'])
  assert.deepEqual(alone.args.slice(-2), ['--test-concurrency=1', 'e2e/dist/test/cluster.test.js'])
  assert.ok(STAGES.findIndex((s) => s.name === 'node tests') < STAGES.findIndex((s) => s.name === 'node tests alone'))
})
