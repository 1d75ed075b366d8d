// Set-Cookie lines as the tests need them: name, value and attributes, so a
// test can assert HttpOnly, SameSite, Path, Domain and Secure by name.

export interface SetCookie {
  readonly name: string
  readonly value: string
  /** Attribute names lower-cased; flags (HttpOnly, Secure) map to true. */
  readonly attributes: ReadonlyMap<string, string | true>
}

export function parseSetCookie (line: string): SetCookie | undefined {
  const [pair = '', ...rest] = line.split(';')
  const eq = pair.indexOf('=')
  if (eq <= 0) return undefined
  const attributes = new Map<string, string | true>()
  for (const part of rest) {
    const trimmed = part.trim()
    if (trimmed === '') continue
    const at = trimmed.indexOf('=')
    if (at === -1) attributes.set(trimmed.toLowerCase(), true)
    else attributes.set(trimmed.slice(0, at).trim().toLowerCase(), trimmed.slice(at + 1).trim())
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes }
}

/** The last Set-Cookie for `name` among the lines, or undefined. */
export function findSetCookie (lines: readonly string[], name: string): SetCookie | undefined {
  return lines.map(parseSetCookie).filter((c): c is SetCookie => c?.name === name).at(-1)
}
