import { request } from 'node:http'

export interface ProbeResult {
  status: number
  /** The `x-served-by` header: which web node answered. */
  servedBy: string | undefined
  body: string
}

/**
 * One GET without keep-alive. Probes use a fresh connection each time so the
 * LB's round robin sees separate requests and no pooled socket outlives the
 * caller. Resolves undefined on any network error or after `timeoutMs`. The
 * body is kept up to `maxBodyChars` (a status page; /metrics needs more).
 */
export async function probeHttp (url: string, timeoutMs = 1_000, maxBodyChars = 65_536): Promise<ProbeResult | undefined> {
  return await new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { if (body.length < maxBodyChars) body += chunk })
      res.on('end', () => {
        const header = res.headers['x-served-by']
        resolve({ status: res.statusCode ?? 0, servedBy: Array.isArray(header) ? header[0] : header, body })
      })
      res.on('error', () => resolve(undefined))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(undefined))
    req.end()
  })
}
