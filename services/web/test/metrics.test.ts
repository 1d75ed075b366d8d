import { test } from 'node:test'
import assert from 'node:assert/strict'
import { apiLogin, buildTestApp } from './helpers.js'

test('GET /metrics: Prometheus text with default, HTTP, login and store metrics', async (t) => {
  const { app } = buildTestApp({ defaultMetrics: true })
  t.after(() => app.close())
  await app.inject('/healthz')
  await apiLogin(app, 'alice', 'wonderland')
  await apiLogin(app, 'alice', 'nope')
  const res = await app.inject('/metrics')
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /^text\/plain/)
  assert.match(res.body, /process_cpu_user_seconds_total/)
  assert.match(res.body, /http_request_duration_seconds_count\{node="web-1",method="GET",route="\/healthz",status_code="200"\} 1/)
  assert.match(res.body, /http_request_duration_seconds_count\{node="web-1",method="POST",route="\/api\/login",status_code="401"\} 1/)
  assert.match(res.body, /stickless_login_attempts_total\{outcome="success",node="web-1"\} 1/)
  assert.match(res.body, /stickless_login_attempts_total\{outcome="wrong",node="web-1"\} 1/)
  assert.match(res.body, /stickless_session_store_events_total\{event="writes",node="web-1"\} \d+/)
  assert.match(res.body, /stickless_session_server_state\{server="127.0.0.1:11211",state="up",node="web-1"\} 1/)
  assert.match(res.body, /stickless_draining\{node="web-1"\} 0/)
})
