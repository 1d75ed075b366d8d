import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { loadAll } from 'js-yaml'
import { findExecutable } from '../src/cluster/command-check.js'
import { SCHEMA_KUBERNETES_VERSION, schemaErrors } from './support/kube-schema.js'
import { objectId, render, type KubeObject } from './support/kustomize-lite.js'

// Issue 14: deploy/kubernetes renders (the base and every overlay), every
// object it renders is valid against the Kubernetes API schema, and the
// recipe keeps the promises the README makes about it.

const rootDir = fileURLToPath(new URL('../../../', import.meta.url))
const kubeDir = join(rootDir, 'deploy', 'kubernetes')
const KUSTOMIZATIONS = ['base', 'overlays/ingress']

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

for (const dir of KUSTOMIZATIONS) {
  void test(`deploy/kubernetes/${dir} renders, and every object is valid against the Kubernetes ${SCHEMA_KUBERNETES_VERSION} API schema`, async () => {
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
for (const dir of KUSTOMIZATIONS) {
  void test(`kustomize renders deploy/kubernetes/${dir} to the same objects`, { skip: realKustomizeSkip }, () => {
    const [bin = '', ...args] = realKustomize ?? []
    const run = spawnSync(bin, [...args, join(kubeDir, dir)], { encoding: 'utf8', timeout: 60_000 })
    assert.equal(run.status, 0, run.stderr)
    const byId = (objects: readonly KubeObject[]): Map<string, KubeObject> => new Map(objects.map((o) => [objectId(o), o]))
    const theirs = byId(loadAll(run.stdout) as KubeObject[])
    const ours = byId(render(join(kubeDir, dir)))
    assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort())
    for (const [id, object] of ours) assert.deepEqual(object, theirs.get(id), id)
  })
}

void test('an invalid manifest fails the validation, naming the object and the field', async (t) => {
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

void test('memcached is a StatefulSet under a headless Service, and SESSION_SERVERS names each of its pods by its stable name', () => {
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

void test('web: readiness and liveness on /healthz, and a preStop plus drain that fit in the grace period', () => {
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
  const secretRef = at(envEntry(container, 'SESSION_SECRETS'), 'valueFrom.secretKeyRef')
  const placeholder = String(at(find(objects, 'Secret', String(at(secretRef, 'name'))), `stringData.${String(at(secretRef, 'key'))}`))
  assert.ok(placeholder.length < 32, 'the committed placeholder is too short to start a node')
})

void test('the LB balances over the headless web Service, which lists every web pod', () => {
  const objects = render(join(kubeDir, 'base'))
  const backends = String(at(envEntry(at(find(objects, 'Deployment', 'lb'), 'spec.template.spec.containers.0'), 'LB_BACKENDS'), 'value'))
  const [, host = '', port] = /^web=http:\/\/([a-z-]+):(\d+)$/.exec(backends) ?? []
  const service = find(objects, 'Service', host)
  assert.equal(at(service, 'spec.clusterIP'), 'None')
  assert.equal(String(at(service, 'spec.ports.0.port')), port)
  assert.deepEqual(at(service, 'spec.selector'), at(find(objects, 'Deployment', 'web'), 'spec.selector.matchLabels'))
})

void test('only web pods may reach memcached, only the balancer may reach web pods, and every tier has a disruption budget', () => {
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

void test('the ingress overlay routes an Ingress to the web pods and leaves our LB out', () => {
  const objects = render(join(kubeDir, 'overlays/ingress'))
  assert.deepEqual(objects.filter((o) => ['lb', 'lb-admin', 'lb-admin-ingress'].includes(o.metadata.name)).map(objectId), [])
  const backend = at(find(objects, 'Ingress', 'stickless'), 'spec.rules.0.http.paths.0.backend.service.name')
  assert.deepEqual(at(find(objects, 'Service', String(backend)), 'spec.selector'), at(find(objects, 'Deployment', 'web'), 'spec.selector.matchLabels'))
  assert.equal(at(find(objects, 'ConfigMap', 'stickless-web'), 'data.LB_STATUS_URL'), undefined)
})
