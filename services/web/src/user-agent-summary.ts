// "Chrome 156 on Linux": what the sessions panel shows of a browser, so a user
// can tell their sessions apart. A summary only: the full header is neither
// stored nor shown (it is long, and it fingerprints the user to whoever reads
// memcached). Browsers are tried in order because their headers name each
// other (Edge says Chrome and Safari, Chrome says Safari).

const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/\bOPR\/(\d+)/, 'Opera'],
  [/\bSamsungBrowser\/(\d+)/, 'Samsung Internet'],
  [/\bFirefox\/(\d+)/, 'Firefox'],
  [/\bFxiOS\/(\d+)/, 'Firefox'],
  [/\bHeadlessChrome\/(\d+)/, 'Headless Chrome'],
  [/\bCriOS\/(\d+)/, 'Chrome'],
  [/\bChrome\/(\d+)/, 'Chrome'],
  [/\bVersion\/(\d+)[^ ]* (?:Mobile\/\S+ )?Safari\//, 'Safari'],
  [/\bcurl\/(\d+)/, 'curl'],
  [/\bnode(?:-fetch)?\b|\bundici\b/i, 'Node.js'],
  [/\bWget\/(\d+)/, 'Wget'],
  [/\bPostmanRuntime\/(\d+)/, 'Postman'],
  [/\bpython-requests\/(\d+)/, 'Python requests']
]

const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux']
]

/** The longest summary kept: enough for "Samsung Internet 25 on Android". */
export const MAX_USER_AGENT_SUMMARY = 60

export function summarizeUserAgent (header: string | undefined): string {
  if (header === undefined || header.trim() === '') return 'Unknown client'
  const browser = BROWSERS.find(([pattern]) => pattern.test(header))
  const system = SYSTEMS.find(([pattern]) => pattern.test(header))?.[1]
  let name: string
  if (browser !== undefined) {
    const version = browser[0].exec(header)?.[1]
    name = version !== undefined && /^\d+$/.test(version) ? `${browser[1]} ${version}` : browser[1]
  } else {
    // An unknown client: its first product token, printable ASCII only.
    name = (/^[!-~]{1,40}/.exec(header)?.[0] ?? 'Unknown client').split('/')[0] ?? 'Unknown client'
  }
  return (system !== undefined ? `${name} on ${system}` : name).slice(0, MAX_USER_AGENT_SUMMARY)
}
