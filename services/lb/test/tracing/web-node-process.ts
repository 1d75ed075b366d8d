// A web node (services/web/dist/src/main.js) as a child process, as npm start
// runs it: stopped by PID in t.after, also when the test fails.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { freePort, waitFor } from '@stickless/test-support'

const WEB_MAIN = fileURLToPath(new URL('../../../../web/dist/src/main.js', import.meta.url))

export interface WebNodeProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly lines: string[]
  readonly exited: Promise<unknown>
  /** SIGTERM, and resolves once it has exited (SIGKILL after 10 s). */
  stop: () => Promise<void>
}

export async function startWebNode (t: TestContext, name: string, sessionServers: string, env: Record<string, string | undefined>): Promise<WebNodeProcess> {
  const port = await freePort()
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_NAME: name,
    SESSION_SERVERS: sessionServers,
    TRUSTED_PROXIES: '127.0.0.1',
    SHUTDOWN_DRAIN_MS: '0',
    LOG_LEVEL: 'warn'
  }
  delete childEnv.NODE_TEST_CONTEXT
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key]
    else childEnv[key] = value
  }
  const child = spawn(process.execPath, [WEB_MAIN], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { lines.push(chunk) })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { lines.push(chunk) })
  const exited = once(child, 'exit')
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
  t.after(stop)
  const url = `http://127.0.0.1:${port}`
  let gone = false
  void exited.then(() => { gone = true })
  await waitFor(`${name} to answer /healthz`, async () => gone || await fetch(`${url}/healthz`).then((r) => r.ok, () => false), 20_000, 50)
  if (gone) throw new Error(`${name} exited before it was ready:\n${lines.join('')}`)
  return { child, url, lines, exited, stop }
}
