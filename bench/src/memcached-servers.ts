import { freePort, memcachedVersion, Supervisor } from '@stickless/scripts/cluster'
import { memcachedArgs, pollUntil } from '@stickless/test-support'

/** memcached processes for a benchmark, on free loopback ports, stopped by PID. */
export class MemcachedServers {
  private readonly supervisor = new Supervisor({ output: null, stopGraceMs: 2000 })
  readonly ports: number[] = []

  async start (count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const port = await freePort()
      this.ports.push(port)
      this.spawn(i)
      await this.waitReady(i)
    }
  }

  address (i: number): string {
    return `127.0.0.1:${this.ports[i]}`
  }

  private spawn (i: number): void {
    this.supervisor.start({ name: `memcached-${i + 1}`, command: 'memcached', args: memcachedArgs(this.ports[i] as number, { memoryMb: 256 }) })
  }

  private async waitReady (i: number): Promise<void> {
    await pollUntil(async () => await memcachedVersion('127.0.0.1', this.ports[i] as number, 500) !== undefined, { what: `memcached-${i + 1} to start`, timeoutMs: 10_000 })
  }

  /** SIGKILL, then start again on the same port: an empty server, as after a crash. */
  async restartEmpty (i: number): Promise<void> {
    await this.supervisor.kill(`memcached-${i + 1}`, 'SIGKILL')
    this.supervisor.respawn(`memcached-${i + 1}`)
    await this.waitReady(i)
  }

  /** SIGSTOP: the server keeps its connections but answers nothing. */
  freeze (i: number): void {
    this.supervisor.signal(`memcached-${i + 1}`, 'SIGSTOP')
  }

  thaw (i: number): void {
    this.supervisor.signal(`memcached-${i + 1}`, 'SIGCONT')
  }

  /** SIGKILL only; respawn() brings it back (empty). */
  async kill (i: number): Promise<void> {
    await this.supervisor.kill(`memcached-${i + 1}`, 'SIGKILL')
  }

  /** Starts a killed server again on its port, empty, and waits until it answers. */
  async respawn (i: number): Promise<void> {
    this.supervisor.respawn(`memcached-${i + 1}`)
    await this.waitReady(i)
  }

  async stop (): Promise<void> {
    await this.supervisor.stop()
  }
}
