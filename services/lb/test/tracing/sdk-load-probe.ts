// Loaded with `--import` into a process under test: at exit it says on
// stderr whether the OpenTelemetry SDK was ever loaded (CommonJS modules,
// also those reached by import(), are in the module cache).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
process.on('exit', () => {
  const loaded = Object.keys(require.cache).some((path) => path.includes('@opentelemetry/sdk-node'))
  process.stderr.write(`otel-sdk-loaded=${String(loaded)}\n`)
})
