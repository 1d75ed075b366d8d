// What a well-formed login looks like. Anything else is a 400, which the login
// limiter does not count (the contract counts only wrong credentials).
import { WebError } from '../errors.js'

export interface LoginInput {
  readonly username: string
  readonly password: string
}

const MAX_USERNAME_CHARS = 64
const MAX_PASSWORD_CHARS = 1024
// Control characters (CR, LF, NUL, ...) have no place in a name and are the
// raw material of log and header injection.
const CONTROL = /\p{Cc}/u

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Reads {username, password} from a parsed JSON or urlencoded body. */
export function parseLoginInput (body: unknown): LoginInput {
  if (!isRecord(body)) throw new WebError('STK_ERR_WEB_INVALID_LOGIN')
  // The form parser makes null-prototype objects, so this is harmless there;
  // it is refused anyway, like the JSON parser refuses it.
  if (Object.hasOwn(body, '__proto__')) throw new WebError('STK_ERR_WEB_INVALID_LOGIN')
  const { username, password } = body
  if (typeof username !== 'string' || typeof password !== 'string') {
    throw new WebError('STK_ERR_WEB_INVALID_LOGIN')
  }
  const usernameChars = [...username].length
  if (usernameChars < 1 || usernameChars > MAX_USERNAME_CHARS || CONTROL.test(username)) {
    throw new WebError('STK_ERR_WEB_INVALID_LOGIN')
  }
  if (password.length < 1 || password.length > MAX_PASSWORD_CHARS) {
    throw new WebError('STK_ERR_WEB_INVALID_LOGIN')
  }
  return { username, password }
}
