// A small HTTP client for the integration tests: Node's global fetch with
// redirects left to the test (a 303 is something we assert, not follow) and a
// cookie jar, so one client is one browser-like user.
import { parseSetCookie } from './set-cookie.js'

/** Every request gives up after this unless told otherwise: no test waits forever on a socket. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

export interface RequestOptions {
  readonly method?: string
  readonly headers?: Readonly<Record<string, string>>
  /** Sent as application/json (unless headers name another content type). */
  readonly json?: unknown
  /** Sent as application/x-www-form-urlencoded. */
  readonly form?: Readonly<Record<string, string | undefined>>
  /** A raw body; set the content type yourself. */
  readonly body?: string
  /** Default DEFAULT_REQUEST_TIMEOUT_MS. */
  readonly timeoutMs?: number
  /** Send the jar's cookies (default true). */
  readonly sendCookies?: boolean
  /** Store the response's cookies in the jar (default true). */
  readonly storeCookies?: boolean
}

export interface HttpResponse {
  readonly url: string
  readonly method: string
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** Every Set-Cookie line, unparsed. */
  readonly setCookies: readonly string[]
  /** x-served-by, the web node that answered (undefined when the LB answered itself). */
  readonly servedBy: string | undefined
  readonly durationMs: number
}

/** The body parsed as JSON; fails with the body in the message when it is not JSON. */
export function jsonOf<T = Record<string, unknown>> (res: HttpResponse): T {
  try {
    return JSON.parse(res.text) as T
  } catch {
    throw new Error(`${res.method} ${res.url} answered ${res.status} with a body that is not JSON: ${res.text.slice(0, 300)}`)
  }
}

/** One line describing a response, for assertion messages. */
export function summarize (res: HttpResponse): string {
  return `${res.method} ${res.url} -> ${res.status} (x-served-by ${res.servedBy ?? 'none'}, ${Math.round(res.durationMs)} ms): ${res.text.slice(0, 300)}`
}

/**
 * Cookies by name, the way a browser keeps them for one host (ports do not
 * separate cookies, so the LB and the nodes share one jar, as they would in a
 * browser on 127.0.0.1).
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>()

  get (name: string): string | undefined { return this.#cookies.get(name) }
  set (name: string, value: string): void { this.#cookies.set(name, value) }
  delete (name: string): void { this.#cookies.delete(name) }
  clear (): void { this.#cookies.clear() }
  names (): string[] { return [...this.#cookies.keys()] }

  /** The Cookie header for the jar, or undefined when it is empty. */
  header (): string | undefined {
    if (this.#cookies.size === 0) return undefined
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  /** Applies Set-Cookie lines: a past expiry, Max-Age <= 0 or an empty value removes the cookie. */
  update (setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const cookie = parseSetCookie(line)
      if (cookie === undefined) continue
      const maxAge = cookie.attributes.get('max-age')
      const expires = cookie.attributes.get('expires')
      const expired = (typeof maxAge === 'string' && Number(maxAge) <= 0) ||
        (typeof expires === 'string' && Date.parse(expires) <= Date.now())
      if (expired || cookie.value === '') this.#cookies.delete(cookie.name)
      else this.#cookies.set(cookie.name, cookie.value)
    }
  }
}

/** A browser-like user: its own cookie jar, no automatic redirects. */
export class HttpClient {
  readonly jar = new CookieJar()
  readonly #defaultTimeoutMs: number

  constructor (options: { timeoutMs?: number } = {}) {
    this.#defaultTimeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  }

  async request (url: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const method = options.method ?? (options.json !== undefined || options.form !== undefined || options.body !== undefined ? 'POST' : 'GET')
    const headers: Record<string, string> = {}
    let body: string | undefined = options.body
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.json)
    } else if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      const fields = Object.entries(options.form).filter((entry): entry is [string, string] => entry[1] !== undefined)
      body = new URLSearchParams(fields).toString()
    }
    const cookie = options.sendCookies === false ? undefined : this.jar.header()
    if (cookie !== undefined) headers.cookie = cookie
    Object.assign(headers, options.headers)

    const started = performance.now()
    const res = await fetch(url, {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? this.#defaultTimeoutMs)
    })
    const text = await res.text()
    const setCookies = res.headers.getSetCookie()
    if (options.storeCookies !== false) this.jar.update(setCookies)
    return {
      url,
      method,
      status: res.status,
      headers: res.headers,
      text,
      setCookies,
      servedBy: res.headers.get('x-served-by') ?? undefined,
      durationMs: performance.now() - started
    }
  }

  async get (url: string, options: Omit<RequestOptions, 'method'> = {}): Promise<HttpResponse> {
    return await this.request(url, { ...options, method: 'GET' })
  }

  async postJson (url: string, json: unknown, options: Omit<RequestOptions, 'method' | 'json'> = {}): Promise<HttpResponse> {
    return await this.request(url, { ...options, method: 'POST', json })
  }

  async postForm (url: string, form: Readonly<Record<string, string | undefined>>, options: Omit<RequestOptions, 'method' | 'form'> = {}): Promise<HttpResponse> {
    return await this.request(url, { ...options, method: 'POST', form })
  }
}
