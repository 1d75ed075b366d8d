import net from 'node:net'
import type { TestContext } from 'node:test'
import { Worker } from 'node:worker_threads'

export interface SilentListener {
  readonly url: string
  readonly port: number
}

// The worker listens with a backlog of 1 (0 would mean Node's default, 511), reports its port, then blocks its
// own event loop in Atomics.wait: it never accepts, so once its accept queue
// is full the kernel drops further SYNs and a connect hangs, like a connect to
// a SIGKILLed container's address. Waking it (or the 60 s bound) lets it
// close the server and end.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const net = require('node:net')
const server = net.createServer()
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port)
  Atomics.wait(new Int32Array(workerData), 0, 0, 60000)
  server.close()
  parentPort.close()
})
`

/**
 * An address on loopback whose connects hang (SYN unanswered). Its queue is
 * filled here with connections that complete, until one does not: from then
 * on every connect to it hangs. Stopped by t.after, also on failure.
 */
export async function startSilentListener (t: TestContext): Promise<SilentListener> {
  const wake = new SharedArrayBuffer(4)
  const worker = new Worker(workerSource, { eval: true, workerData: wake })
  const fillers: net.Socket[] = []
  t.after(async () => {
    for (const socket of fillers) socket.destroy()
    Atomics.store(new Int32Array(wake), 0, 1)
    Atomics.notify(new Int32Array(wake), 0)
    await worker.terminate()
  })
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (message: number) => resolve(message))
    worker.once('error', reject)
  })
  // Fill the accept queue: connections complete until it is full; the first
  // that does not complete within a moment shows the address has gone silent.
  for (let i = 0; i < 64; i++) {
    const socket = net.connect(port, '127.0.0.1')
    fillers.push(socket)
    socket.on('error', () => {})
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300)
      socket.once('connect', () => { clearTimeout(timer); resolve(true) })
    })
    if (!connected) return { url: `http://127.0.0.1:${port}`, port }
  }
  throw new Error(`the accept queue of port ${port} never filled`)
}
