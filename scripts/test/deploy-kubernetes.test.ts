import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { loadAll } from 'js-yaml'
import { findExecutable } from '../src/cluster/process/command-check.js'
import { SCHEMA_KUBERNETES_VERSION, schemaErrors } from './helpers/kube-schema.js'
import { objectId, render, type KubeObject } from './helpers/kustomize-lite.js'

// deploy/kubernetes renders (the base and every overlay), every object it
// renders is valid against the Kubernetes API schema, and the recipe keeps
// the promises deploy/README.md makes about it: among them, that applying it
// never replaces the session Secret the operator created.

const rootDir = fileURLToPath(new URL('../../../', import.meta.url))
const kubeDir = join(rootDir, 'deploy', 'kubernetes')

/** Every directory under deploy/kubernetes with a kustomization.yaml (the base first), so a new overlay is checked without being listed here. */
function findKustomizations (dir: string): string[] {
  const here = existsSync(join(dir, 'kustomization.yaml')) ? [relative(kubeDir, dir)] : []
  const below = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort().flatMap((name) => findKustomizations(join(dir, name)))
  return [...here, ...below]
}
const KUSTOMIZATIONS = findKustomizations(kubeDir).sort((a, b) => Number(b === 'base') - Number(a === 'base'))

/** Every schema error of every object of one kustomization, prefixed with the object's id. */
async function validateAll (objects: readonly KubeObject[]): Promise<string[]> {
  const errors = await Promise.all(objects.map(async (object) => (await schemaErrors(object)).map((error) => `${objectId(object)}: ${error}`)))
  return errors.flat()
}

function find (objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name)
  assert.ok(object !== undefined, `${kind} ${name} is rendered`)
  return object
}

/** The value at a dotted path (`spec.template.spec.containers.0.image`), or undefined. */
function at (value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined), value)
}

/** One env entry of a container, by name. */
function envEntry (container: unknown, name: string): unknown {
  const env = at(container, 'env')
  return Array.isArray(env) ? env.find((entry) => at(entry, 'name') === name) : undefined
}

test('the base and the ingress overlay are among the kustomizations checked', () => {
  assert.deepEqual(KUSTOMIZATIONS.slice(0, 1), ['base'])
  assert.ok(KUSTOMIZATIONS.includes('overlays/ingress'), KUSTOMIZATIONS.join(', '))
})

for (const dir of KUSTOMIZATIONS) {
  test(`deploy/kubernetes/${dir} renders, and every object is valid against the Kubernetes ${SCHEMA_KUBERNETES_VERSION} API schema`, async () => {
    const objects = render(join(kubeDir, dir))
    assert.ok(objects.length >= 10, `rendered ${objects.length} objects`)
    assert.deepEqual(await validateAll(objects), [])
  })
}

// Where a real kustomize is installed, it must agree with the test's renderer.
const kubectl = findExecutable('kubectl')
const kustomize = findExecutable('kustomize')
const realKustomize = kustomize !== undefined ? [kustomize, 'build'] : kubectl !== undefined ? [kubectl, 'kustomize'] : undefined
/** The major version of that kustomize: kubectl before 1.21 (Debian 12's kubernetes-client is 1.20) carries kustomize 2, which predates directories in `resources`. */
function kustomizeMajor (): number | undefined {
  const run = kustomize !== undefined ? spawnSync(kustomize, ['version'], { encoding: 'utf8', timeout: 30_000 }) : spawnSync(kubectl ?? 'kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 30_000 })
  const match = /(?:Kustomize Version: |^)v?(\d+)\./m.exec(`${run.stdout ?? ''}`)
  return match?.[1] !== undefined ? Number(match[1]) : undefined
}
const major = realKustomize !== undefined ? kustomizeMajor() : undefined
const realKustomizeSkip = realKustomize === undefined
  ? 'neither kustomize nor kubectl is installed: checked with the test\'s own renderer only'
  : major === undefined || major < 4 ? `the installed kustomize is too old (${major ?? 'unknown'}; 4 or newer needed): checked with the test's own renderer only` : false
/** `kustomize build dir` by the installed kustomize (or kubectl kustomize). */
function renderWithKustomize (dir: string): KubeObject[] {
  const [bin = '', ...args] = realKustomize ?? []
  const run = spawnSync(bin, [...args, dir], { encoding: 'utf8', timeout: 60_000 })
  assert.equal(run.status, 0, run.stderr)
  return (loadAll(run.stdout) as Array<KubeObject | null>).filter((o): o is KubeObject => o !== null)
}
for (const dir of KUSTOMIZATIONS) {
  test(`kustomize renders deploy/kubernetes/${dir} to the same objects`, { skip: realKustomizeSkip }, () => {
    const byId = (objects: readonly KubeObject[]): Map<string, KubeObject> => new Map(objects.map((o) => [objectId(o), o]))
    const theirs = byId(renderWithKustomize(join(kubeDir, dir)))
    const ours = byId(render(join(kubeDir, dir)))
    assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort())
    for (const [id, object] of ours) assert.deepEqual(object, theirs.get(id), id)
  })
}

test('an invalid manifest fails the validation, naming the object and the field', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stickless-kube-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const web = find(render(join(kubeDir, 'base')), 'Deployment', 'web')
  const container = at(web, 'spec.template.spec.containers.0') as Record<string, unknown>
  delete container.name
  ;(web.spec as Record<string, unknown>).replicas = 'three'
  writeFileSync(join(dir, 'web.yaml'), JSON.stringify(web))
  writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - web.yaml\n')
  const errors = await validateAll(render(dir))
  assert.ok(errors.some((e) => e.startsWith('apps/v1 Deployment /web:') && e.includes('spec/replicas must be integer')), errors.join('\n'))
  assert.ok(errors.some((e) => e.includes('containers/0 must have required property name')), errors.join('\n'))
  assert.deepEqual(await schemaErrors({ apiVersion: 'apps/v1', kind: 'Deployments', metadata: { name: 'x' } }), [`apps/v1 Deployments is not a kind of Kubernetes ${SCHEMA_KUBERNETES_VERSION}`])
})

test('memcached is a StatefulSet under a headless Service, and SESSION_SERVERS names each of its pods by its stable name', () => {
  const objects = render(join(kubeDir, 'base'))
  const statefulSet = find(objects, 'StatefulSet', 'memcached')
  const service = find(objects, 'Service', String(at(statefulSet, 'spec.serviceName')))
  assert.equal(at(service, 'spec.clusterIP'), 'None')
  const port = Number(at(service, 'spec.ports.0.port'))
  const servers = String(at(find(objects, 'ConfigMap', 'stickless-web'), 'data.SESSION_SERVERS')).split(',')
  const replicas = Number(at(statefulSet, 'spec.replicas'))
  assert.deepEqual(servers.map((s) => s.replace(/\?.*/, '')), Array.from({ length: replicas }, (_, i) => `tcp://memcached-${i}.${service.metadata.name}:${port}`))
  for (const server of servers) assert.match(server, /\?weight=1&timeout=1&retry_interval=15$/)
})

test('web: readiness and liveness on /healthz, and a preStop plus drain that fit in the grace period', () => {
  const objects = render(join(kubeDir, 'base'))
  const pod = at(find(objects, 'Deployment', 'web'), 'spec.template.spec')
  const container = at(pod, 'containers.0')
  assert.equal(at(container, 'readinessProbe.httpGet.path'), '/healthz')
  assert.equal(at(container, 'readinessProbe.failureThreshold'), 1, 'a draining node (503) leaves the endpoints at the first failed probe')
  assert.equal(at(container, 'livenessProbe.httpGet.path'), '/healthz')
  const preStopS = Number(at(container, 'lifecycle.preStop.sleep.seconds'))
  const drainMs = Number(at(find(objects, 'ConfigMap', 'stickless-web'), 'data.SHUTDOWN_DRAIN_MS'))
  const graceS = Number(at(pod, 'terminationGracePeriodSeconds'))
  assert.ok(preStopS > 0 && drainMs > 0)
  // The node gives up 20 s after its drain (services/web/README.md, "Graceful shutdown").
  assert.ok(graceS >= preStopS + drainMs / 1000 + 20, `grace ${graceS} s`)
})

// The session Secret is the operator's: deploy/README.md tells them to create
// it, and nothing the recipe renders may carry it or any other secret value,
// or `kubectl apply -k` would replace theirs (and a value would be committed).
// Rendered by the real kustomize where one is installed, since that is what
// `kubectl apply -k` runs; otherwise by the test's own renderer.
const renderedBy = realKustomizeSkip === false ? realKustomize?.join(' ') ?? '' : 'the test\'s own renderer'
function renderForSecrets (dir: string): KubeObject[] {
  return realKustomizeSkip === false ? renderWithKustomize(join(kubeDir, dir)) : render(join(kubeDir, dir))
}

interface SecretCommand { text: string, name: string, keys: string[], replaces: boolean }
/** Every `kubectl create secret generic` command in a text (its continuation lines joined, comment markers removed), with the Secret's name and keys. */
function secretCommands (text: string): SecretCommand[] {
  const joined = text.split('\n').map((line) => line.replace(/^\s*#/, '').trim()).join('\n').replace(/\\\n/g, ' ')
  return joined.split('\n').filter((line) => line.startsWith('kubectl create secret generic ')).map((line) => {
    const text = line.replace(/\s+/g, ' ')
    const name = text.split(' ')[4] ?? ''
    const keys = [...text.matchAll(/--from-(?:literal|file)=([A-Za-z0-9_.-]+)=/g)].map((m) => m[1] ?? '').sort()
    return { text, name, keys, replaces: /--dry-run|\|\s*kubectl apply/.test(text) }
  })
}
/** The deploy/README.md section about Kubernetes. */
function readmeKubernetesSection (): string {
  const readme = readFileSync(join(rootDir, 'deploy', 'README.md'), 'utf8')
  const section = /^## Kubernetes\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1]
  assert.ok(section !== undefined, 'deploy/README.md has a "## Kubernetes" section')
  return section
}

test('deploy/README.md creates the session Secret with kubectl create, which refuses to replace one that exists, and the base kustomization says the same', () => {
  const commands = secretCommands(readmeKubernetesSection())
  const [create] = commands
  assert.ok(create !== undefined, 'the README creates the Secret')
  assert.equal(create.replaces, false, `the first step must not replace an existing Secret: ${create.text}`)
  assert.ok(create.keys.length > 0, create.text)
  for (const other of commands) assert.deepEqual([other.name, other.keys], [create.name, create.keys], other.text)
  const kustomization = readFileSync(join(kubeDir, 'base', 'kustomization.yaml'), 'utf8')
  assert.deepEqual(secretCommands(kustomization).map((c) => c.text), [create.text], 'base/kustomization.yaml gives the README\'s command')
  for (const dir of KUSTOMIZATIONS) {
    assert.ok(readFileSync(join(kubeDir, dir, 'kustomization.yaml'), 'utf8').includes(create.name), `${dir}/kustomization.yaml names the Secret ${create.name}`)
  }
})

for (const dir of KUSTOMIZATIONS) {
  test(`deploy/kubernetes/${dir} (rendered by ${renderedBy}) carries no secret value, and its web Deployment reads the Secret deploy/README.md creates`, () => {
    const objects = renderForSecrets(dir)
    assert.ok(objects.length >= 10, `rendered ${objects.length} objects`)
    const secrets = objects.filter((o) => o.kind === 'Secret')
    assert.deepEqual(secrets.filter((o) => o.data !== undefined || o.stringData !== undefined).map(objectId), [], 'a rendered Secret carries a value')
    const [create] = secretCommands(readmeKubernetesSection())
    assert.ok(create !== undefined)
    assert.deepEqual(secrets.filter((o) => o.metadata.name === create.name).map(objectId), [], `an apply would replace the operator's ${create.name}`)
    const pod = at(find(objects, 'Deployment', 'web'), 'spec.template.spec')
    const containers = [...(at(pod, 'containers') as unknown[]), ...((at(pod, 'initContainers') as unknown[] | undefined) ?? [])]
    const refs = containers.flatMap((container) => {
      const env = (at(container, 'env') as unknown[] | undefined) ?? []
      const envFrom = (at(container, 'envFrom') as unknown[] | undefined) ?? []
      return [
        ...env.map((entry) => at(entry, 'valueFrom.secretKeyRef')).filter((ref) => ref !== undefined),
        ...envFrom.map((entry) => at(entry, 'secretRef')).filter((ref) => ref !== undefined)
      ]
    })
    const volumes = ((at(pod, 'volumes') as unknown[] | undefined) ?? []).map((v) => at(v, 'secret.secretName')).filter((v) => v !== undefined)
    assert.deepEqual(volumes, [], 'the web pods mount no Secret')
    assert.ok(refs.length > 0, 'the web pods read a Secret')
    for (const ref of refs) assert.equal(at(ref, 'name'), create.name, 'the web pods read the Secret the README creates')
    // Every key the README creates is read, and every key read without
    // `optional` is one the README creates (else the pods never start).
    const keys = refs.map((ref) => at(ref, 'key')).filter((key) => key !== undefined)
    const required = refs.filter((ref) => at(ref, 'key') !== undefined && at(ref, 'optional') !== true).map((ref) => String(at(ref, 'key')))
    assert.deepEqual([...new Set(required)].filter((key) => !create.keys.includes(key)), [], 'a key the web pods need that the README does not create')
    assert.deepEqual(create.keys.filter((key) => !keys.includes(key)), [], 'a key the README creates that the web pods do not read')
  })
}

test('the LB balances over the headless web Service, which lists every web pod', () => {
  const objects = render(join(kubeDir, 'base'))
  const backends = String(at(envEntry(at(find(objects, 'Deployment', 'lb'), 'spec.template.spec.containers.0'), 'LB_BACKENDS'), 'value'))
  const [, host = '', port] = /^web=http:\/\/([a-z-]+):(\d+)$/.exec(backends) ?? []
  const service = find(objects, 'Service', host)
  assert.equal(at(service, 'spec.clusterIP'), 'None')
  assert.equal(String(at(service, 'spec.ports.0.port')), port)
  assert.deepEqual(at(service, 'spec.selector'), at(find(objects, 'Deployment', 'web'), 'spec.selector.matchLabels'))
})

test('only web pods may reach memcached, only the balancer may reach web pods, and every tier has a disruption budget', () => {
  for (const dir of KUSTOMIZATIONS) {
    const objects = render(join(kubeDir, dir))
    const labels = (name: string): unknown => at(find(objects, name === 'memcached' ? 'StatefulSet' : 'Deployment', name), 'spec.selector.matchLabels')
    const memcached = find(objects, 'NetworkPolicy', 'memcached-ingress')
    assert.deepEqual(at(memcached, 'spec.podSelector.matchLabels'), labels('memcached'))
    assert.deepEqual(at(memcached, 'spec.ingress'), [{ from: [{ podSelector: { matchLabels: labels('web') } }], ports: [{ protocol: 'TCP', port: 11211 }] }])
    const web = find(objects, 'NetworkPolicy', 'web-ingress')
    assert.deepEqual(at(web, 'spec.podSelector.matchLabels'), labels('web'))
    const from = dir === 'base' ? [{ podSelector: { matchLabels: labels('lb') } }] : [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]
    assert.deepEqual(at(web, 'spec.ingress'), [{ from, ports: [{ protocol: 'TCP', port: 3000 }] }])
    for (const tier of dir === 'base' ? ['memcached', 'web', 'lb'] : ['memcached', 'web']) {
      assert.deepEqual(at(find(objects, 'PodDisruptionBudget', tier), 'spec.selector.matchLabels'), labels(tier))
    }
  }
})

test('the ingress overlay routes an Ingress to the web pods and leaves our LB out', () => {
  const objects = render(join(kubeDir, 'overlays/ingress'))
  assert.deepEqual(objects.filter((o) => ['lb', 'lb-admin', 'lb-admin-ingress'].includes(o.metadata.name)).map(objectId), [])
  const backend = at(find(objects, 'Ingress', 'stickless'), 'spec.rules.0.http.paths.0.backend.service.name')
  assert.deepEqual(at(find(objects, 'Service', String(backend)), 'spec.selector'), at(find(objects, 'Deployment', 'web'), 'spec.selector.matchLabels'))
  assert.equal(at(find(objects, 'ConfigMap', 'stickless-web'), 'data.LB_STATUS_URL'), undefined)
})
