import assert from 'node:assert/strict'
import { test } from 'node:test'
import { metricValue } from '../src/cluster/probes/metric-value.js'

test('metricValue finds the sample whose labels include every one asked for, exactly', () => {
  const text = [
    '# TYPE stickless_session_store_events_total counter',
    'stickless_session_store_events_total{event="hitsX",node="web-1"} 9',
    'stickless_session_store_events_total{event="hits",node="web-1"} 7',
    'stickless_session_store_events_total{event="hits",node="web-2"} 3'
  ].join('\n')
  assert.equal(metricValue(text, 'stickless_session_store_events_total', { event: 'hits' }), 7)
  assert.equal(metricValue(text, 'stickless_session_store_events_total', { event: 'hits', node: 'web-2' }), 3)
  assert.equal(metricValue(text, 'stickless_session_store_events_total', { event: 'misses' }), undefined)
  assert.equal(metricValue(text, 'other_total', {}), undefined)
})
