import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { MemcachedStore, MemcachedStoreOptions } from '@stickless/memcached-store'
import { buildApp, type BuildAppOptions } from '../../src/app.js'
import { loadConfig, type WebConfig } from '../../src/config.js'
import { Lifecycle } from '../../src/lifecycle.js'
import type { NodesSnapshot } from '../../src/nodes-status.js'
import type { WebSessionStore } from '../../src/session-store.js'
import { realStore, type Memcached } from './real-store.js'

export const SECRET = 'test-secret-0123456789abcdef0123456789'

export function testConfig (env: NodeJS.ProcessEnv = {}): WebConfig {
  return loadConfig({ NODE_NAME: 'web-1', SESSION_SECRETS: SECRET, ...env })
}

export interface TestApp<S extends WebSessionStore = MemcachedStore> {
  readonly app: FastifyInstance
  readonly store: S
  readonly lifecycle: Lifecycle
  readonly config: WebConfig
}

export type TestAppOptions<S extends WebSessionStore> = Partial<Omit<BuildAppOptions, 'store'>> & {
  env?: NodeJS.ProcessEnv
  /** A stand-in store (fake-session-store.ts); by default a real store of the app's own. */
  store?: S
  /** Options of the real store made when `store` is not given. */
  storeOptions?: Partial<MemcachedStoreOptions>
}

/**
 * One web node on the real store over `memcached` (a fresh key prefix, unless
 * storeOptions names one). The app, and the store if made here, are closed
 * when the test ends; closing the app does not use the store, so in either order.
 */
export function buildTestApp<S extends WebSessionStore = MemcachedStore> (t: TestContext, memcached: Memcached, options: TestAppOptions<S> = {}): TestApp<S> {
  const { env, store: given, storeOptions, ...appOptions } = options
  const config = appOptions.config ?? testConfig(env)
  const store = given ?? realStore(t, memcached, config, storeOptions) as WebSessionStore as S
  const lifecycle = appOptions.lifecycle ?? new Lifecycle()
  const nodes = appOptions.nodes ?? { snapshot: async (): Promise<NodesSnapshot> => ({ reachable: false, nodes: [], error: 'not configured' }) }
  const app = buildApp({ defaultMetrics: false, ...appOptions, config, store, lifecycle, nodes })
  t.after(() => app.close())
  return { app, store, lifecycle, config }
}

/** The value of one Set-Cookie of a response, or undefined. */
export function setCookie (res: LightMyRequestResponse, name: string): { value: string, [key: string]: unknown } | undefined {
  return (res.cookies as Array<{ name: string, value: string }>).find((c) => c.name === name)
}

export function rawSetCookies (res: LightMyRequestResponse): string[] {
  const header = res.headers['set-cookie']
  if (header === undefined) return []
  return Array.isArray(header) ? header : [String(header)]
}

/** A Cookie header made of the given cookies. */
export function cookieHeader (cookies: Record<string, string | undefined>): string {
  return Object.entries(cookies)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v as string)}`)
    .join('; ')
}

export interface LoginForm {
  readonly token: string
  readonly csrfCookie: string
}

/** GET /login as a browser would: the hidden _csrf and its cookie. */
export async function fetchLoginForm (app: FastifyInstance, headers: Record<string, string> = {}): Promise<LoginForm> {
  const res = await app.inject({ method: 'GET', url: '/login', headers })
  assert.equal(res.statusCode, 200)
  const match = /name="_csrf" value="([^"]+)"/.exec(res.body)
  assert.ok(match?.[1], 'login form has a _csrf input')
  const csrfCookie = setCookie(res, 'csrf')?.value ?? headerCookie(headers.cookie, 'csrf')
  assert.ok(csrfCookie, 'a csrf cookie was set')
  return { token: match[1], csrfCookie }
}

function headerCookie (header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return decodeURIComponent(v.join('='))
  }
  return undefined
}

export function formBody (fields: Record<string, string | undefined>): string {
  const defined = Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined)
  return new URLSearchParams(defined).toString()
}

export interface SubmitOptions {
  readonly sid?: string
  readonly remoteAddress?: string
  readonly headers?: Record<string, string>
}

/** POST /login with a valid CSRF token. */
export async function submitLogin (app: FastifyInstance, username: string, password: string, options: SubmitOptions = {}): Promise<LightMyRequestResponse> {
  const form = await fetchLoginForm(app)
  return await app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress: options.remoteAddress,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: cookieHeader({ csrf: form.csrfCookie, sid: options.sid }),
      ...options.headers
    },
    payload: formBody({ username, password, _csrf: form.token })
  })
}

/** POST /api/login; resolves to the response. */
export async function apiLogin (app: FastifyInstance, username: string, password: string, options: SubmitOptions = {}): Promise<LightMyRequestResponse> {
  return await app.inject({
    method: 'POST',
    url: '/api/login',
    remoteAddress: options.remoteAddress,
    headers: { 'content-type': 'application/json', cookie: cookieHeader({ sid: options.sid }), ...options.headers },
    payload: JSON.stringify({ username, password })
  })
}

/** Signs alice in through the API and returns her session cookie value. */
export async function signIn (app: FastifyInstance, username = 'alice', password = 'wonderland'): Promise<string> {
  const res = await apiLogin(app, username, password)
  assert.equal(res.statusCode, 200, res.body)
  const sid = setCookie(res, 'sid')?.value
  assert.ok(sid, 'login set a sid cookie')
  return sid
}

/** The store key (unsigned id) inside a signed cookie value. */
export function sessionIdOf (signedCookie: string): string {
  return signedCookie.slice(0, signedCookie.lastIndexOf('.'))
}
