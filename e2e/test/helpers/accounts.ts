// The demo accounts of the contract, and signing in as one of them.
import assert from 'node:assert/strict'
import { ACCOUNTS, type Account } from '../../fixtures/accounts.js'
import { HttpClient, jsonOf, summarize } from './http-client.js'

export { ALICE, BOB, ACCOUNTS, type Account } from '../../fixtures/accounts.js'

export interface SessionBody {
  authenticated: boolean
  user?: string
  node: string
  cart?: string[]
}

/** POST /api/login at `url`; asserts 200 and a `sid` cookie, and returns the client that now holds it. */
export async function apiSignIn (url: string, account: Account, client = new HttpClient()): Promise<HttpClient> {
  const res = await client.postJson(url, { username: account.username, password: account.password })
  assert.equal(res.status, 200, summarize(res))
  assert.deepEqual(jsonOf(res), { user: account.username }, summarize(res))
  assert.ok(client.jar.get('sid'), `login set a sid cookie: ${res.setCookies.join(' | ')}`)
  return client
}

/** Signs in `count` separate sessions, alternating the demo accounts; returns the clients with their account. */
export async function signInMany (url: string, count: number): Promise<Array<{ client: HttpClient, account: Account }>> {
  const sessions: Array<{ client: HttpClient, account: Account }> = []
  for (let i = 0; i < count; i++) {
    const account = ACCOUNTS[i % ACCOUNTS.length] as Account
    sessions.push({ client: await apiSignIn(url, account), account })
  }
  return sessions
}

/** The _csrf value of the first form in an HTML page. */
export function csrfTokenOf (html: string): string {
  const match = /name="_csrf"\s+value="([^"]+)"/.exec(html) ?? /value="([^"]+)"\s+name="_csrf"/.exec(html)
  assert.ok(match?.[1], `the page has a hidden _csrf input: ${html.slice(0, 300)}`)
  return match[1]
}
