import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_USER_AGENT_SUMMARY, summarizeUserAgent } from '../src/user-agent-summary.js'

test('browsers are told apart even though their headers name each other', () => {
  const cases: Array<[string, string]> = [
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36', 'Chrome 156 on Linux'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0', 'Edge 140 on Windows'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15', 'Safari 18 on macOS'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', 'Safari 18 on iOS'],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox 133 on Linux'],
    ['Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36', 'Chrome 131 on Android'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36', 'Headless Chrome 156 on Linux'],
    ['curl/7.88.1', 'curl 7'],
    ['node', 'Node.js']
  ]
  for (const [header, summary] of cases) assert.equal(summarizeUserAgent(header), summary, header)
})

test('no header, an empty one, or an unknown client get a short, safe summary', () => {
  assert.equal(summarizeUserAgent(undefined), 'Unknown client')
  assert.equal(summarizeUserAgent('   '), 'Unknown client')
  assert.equal(summarizeUserAgent('MyRobot/2.1 (+https://example.test)'), 'MyRobot')
  const long = summarizeUserAgent('x'.repeat(5000))
  assert.ok(long.length <= MAX_USER_AGENT_SUMMARY)
})
