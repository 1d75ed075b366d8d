import assert from 'node:assert/strict'
import { test } from 'node:test'
import { serviceNameOf, tracingWanted } from '../src/index.js'

test('tracing is wanted only when an endpoint or an exporter is named; empty values count as unset', () => {
  assert.equal(tracingWanted({}), false)
  assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }), false, 'compose passes an empty endpoint')
  assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }), false)
  assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), true)
  assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }), true)
  assert.equal(tracingWanted({ OTEL_TRACES_EXPORTER: 'otlp' }), true)
})

test('OTEL_SDK_DISABLED=true and the exporter "none" turn it off whatever else is set', () => {
  assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'TRUE' }), false)
  assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' }), false)
})

test('a service name set by the caller wins; otherwise the process names itself', () => {
  assert.equal(serviceNameOf({ OTEL_SERVICE_NAME: 'mine' }, 'stickless-lb'), undefined)
  assert.equal(serviceNameOf({ OTEL_SERVICE_NAME: '' }, 'stickless-lb'), 'stickless-lb')
  assert.equal(serviceNameOf({}, 'stickless-web-1'), 'stickless-web-1')
})
