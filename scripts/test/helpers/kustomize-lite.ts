// A small kustomize for the tests of deploy/kubernetes: enough of it to render
// our own kustomizations without a kustomize binary (none is in Debian or on
// npm). It covers exactly what those files use and refuses the rest loudly,
// so a new feature in them fails the test instead of rendering wrong:
//   resources (files and directories with a kustomization.yaml), images
//   (newName / newTag on containers), patches (strategic merge, from a
//   `path` or an inline `patch`: `$patch: delete` of a whole object, maps
//   merged, null deleting a key, lists replaced).
// Where a real kustomize is on PATH (kubectl kustomize), the test renders with
// it too and demands the same objects.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { loadAll } from 'js-yaml'

export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: { name: string, namespace?: string, [key: string]: unknown }
  [key: string]: unknown
}

interface Kustomization {
  apiVersion?: string
  kind?: string
  resources?: string[]
  images?: Array<{ name: string, newName?: string, newTag?: string }>
  patches?: Array<{ path?: string, patch?: string }>
  [key: string]: unknown
}

const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'images', 'patches'])

export class KustomizeLiteError extends Error {}

/** Every object `kustomize build dir` would print, in file order. */
export function render (dir: string): KubeObject[] {
  const kustomizationPath = join(dir, 'kustomization.yaml')
  if (!existsSync(kustomizationPath)) throw new KustomizeLiteError(`${dir} has no kustomization.yaml`)
  const kustomization = loadAll(readFileSync(kustomizationPath, 'utf8'))[0] as Kustomization
  for (const field of Object.keys(kustomization)) {
    if (!SUPPORTED_FIELDS.has(field)) throw new KustomizeLiteError(`${kustomizationPath}: field "${field}" is not supported by the test's renderer; extend scripts/test/helpers/kustomize-lite.ts`)
  }
  let objects: KubeObject[] = []
  for (const entry of kustomization.resources ?? []) {
    const path = resolve(dir, entry)
    objects.push(...(statSync(path).isDirectory() ? render(path) : readObjects(path)))
  }
  for (const patch of kustomization.patches ?? []) {
    const docs = patch.path !== undefined ? readObjects(resolve(dir, patch.path)) : loadObjects(patch.patch ?? '', `${kustomizationPath} (inline patch)`)
    for (const doc of docs) objects = applyPatch(objects, doc)
  }
  for (const image of kustomization.images ?? []) setImage(objects, image)
  const seen = new Set<string>()
  for (const object of objects) {
    const id = objectId(object)
    if (seen.has(id)) throw new KustomizeLiteError(`two objects are ${id}`)
    seen.add(id)
  }
  return objects
}

export function objectId (object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  return `${object.apiVersion} ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`
}

export function readObjects (path: string): KubeObject[] {
  return loadObjects(readFileSync(path, 'utf8'), path)
}

export function loadObjects (text: string, source: string): KubeObject[] {
  return loadAll(text).filter((doc) => doc !== null && doc !== undefined).map((doc) => {
    const object = doc as Partial<KubeObject>
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
      throw new KustomizeLiteError(`${source}: every document needs apiVersion, kind and metadata.name`)
    }
    return object as KubeObject
  })
}

function applyPatch (objects: KubeObject[], patch: KubeObject): KubeObject[] {
  const id = objectId(patch)
  const index = objects.findIndex((object) => objectId(object) === id)
  if (index < 0) throw new KustomizeLiteError(`the patch for ${id} matches no object`)
  if (patch.$patch === 'delete') return objects.filter((_, i) => i !== index)
  const result = [...objects]
  result[index] = merge(objects[index], patch, id) as KubeObject
  return result
}

function isMap (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Strategic merge without merge keys: maps merge, null deletes, lists replace (refused where kustomize would merge by name). */
function merge (target: unknown, patch: unknown, path: string): unknown {
  if (!isMap(patch)) {
    if (Array.isArray(patch) && patch.some((item) => isMap(item) && 'name' in item)) {
      throw new KustomizeLiteError(`${path}: a list of named items in a patch is merged by key in kustomize; the test's renderer does not do that`)
    }
    return patch
  }
  if ('$patch' in patch) throw new KustomizeLiteError(`${path}: $patch inside an object is not supported`)
  const result: Record<string, unknown> = isMap(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else result[key] = merge(result[key], value, `${path}.${key}`)
  }
  return result
}

/** kustomize's `images`: every container whose image is `name` (with or without a tag) gets the new name and tag. */
function setImage (objects: KubeObject[], image: { name: string, newName?: string, newTag?: string }): void {
  for (const object of objects) {
    const spec = (object.spec as { template?: { spec?: { containers?: Array<{ image?: string }>, initContainers?: Array<{ image?: string }> } } } | undefined)?.template?.spec
    for (const container of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
      if (container.image === undefined) continue
      const [name = '', tag] = splitImage(container.image)
      if (name !== image.name) continue
      const newTag = image.newTag ?? tag
      container.image = `${image.newName ?? name}${newTag !== undefined ? `:${newTag}` : ''}`
    }
  }
}

function splitImage (image: string): [string, string | undefined] {
  const slash = image.lastIndexOf('/')
  const colon = image.lastIndexOf(':')
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined]
}
