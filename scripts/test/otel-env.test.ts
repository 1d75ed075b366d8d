// npm start hands the standard OTEL_* variables to every Node process it
// starts, each named in traces after itself unless OTEL_SERVICE_NAME is set.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveClusterOptions } from '../src/cluster/cluster-options.js'
import type { Member } from '../src/cluster/members.js'
import { lbSpec, webSpec } from '../src/cluster/process/process-specs.js'

const options = resolveClusterOptions({ sessionSecrets: 'secret-for-the-test', rootDir: '/repo' })
const web: Member[] = [{ name: 'web-1', role: 'web', port: 3001 }, { name: 'web-2', role: 'web', port: 3002 }]
const lb: Member = { name: 'lb', role: 'lb', port: 8080 }
const webInputs = { sessionServers: 'tcp://a', previousSessionServers: undefined, lbStatusUrl: 'http://lb/status.json' }
const otel = {
  PATH: '/bin',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: '0.5'
}

test('every OTEL_* variable reaches the LB and each web node, with a service name per process', () => {
  const specs = [lbSpec(lb, options, { adminPort: 8081, web }, otel), ...web.map((m) => webSpec(m, options, webInputs, otel))]
  for (const spec of specs) {
    for (const [key, value] of Object.entries(otel)) assert.equal(spec.env[key], value, `${spec.name}: ${key}`)
  }
  assert.deepEqual(specs.map((spec) => spec.env.OTEL_SERVICE_NAME), ['stickless-lb', 'stickless-web-1', 'stickless-web-2'])
})

test('OTEL_SERVICE_NAME set by the caller wins; an empty one counts as unset', () => {
  assert.equal(webSpec(web[0] as Member, options, webInputs, { ...otel, OTEL_SERVICE_NAME: 'shop' }).env.OTEL_SERVICE_NAME, 'shop')
  assert.equal(webSpec(web[0] as Member, options, webInputs, { ...otel, OTEL_SERVICE_NAME: '' }).env.OTEL_SERVICE_NAME, 'stickless-web-1')
})
