/* global require, module, process */
// Two real memcached servers for an outside test suite, started synchronously
// on free ports, stopped by PID when the process exits.
const { spawn, execFileSync } = require('node:child_process')
const ports = execFileSync(process.execPath, ['-e', `
const net = require('net'); const out = []; let n = 2
for (let i = 0; i < 2; i++) { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { out.push(s.address().port); s.close(); if (--n === 0) console.log(out.join(',')) }) }
`], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }).trim().split(',').map(Number)
const asUser = process.getuid && process.getuid() === 0 ? ['-u', 'root'] : []
const children = ports.map((port) => spawn('memcached', ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64', '-t', '1', ...asUser], { stdio: 'ignore' }))
for (const c of children) c.unref()
process.on('exit', () => { for (const c of children) { try { process.kill(c.pid, 'SIGKILL') } catch { /* already gone */ } } })
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300)
module.exports = { servers: ports.map((p) => `tcp://127.0.0.1:${p}?timeout=1&retry_interval=15`).join(',') }
