// Validation of rendered manifests against the Kubernetes API's OpenAPI
// schema, as compiled into the npm package kubernetes-models (5.x: the API of
// Kubernetes 1.36; ajv validators, so types, required fields, enums, formats
// and int-or-string are all checked). Like kubeconform without -strict, a
// field the schema does not know is not an error by itself.
import type { KubeObject } from './kustomize-lite.js'

/** The Kubernetes version whose API schema kubernetes-models 5.x carries. */
export const SCHEMA_KUBERNETES_VERSION = '1.36'

interface Model { validate: () => void }
type ModelClass = new (data: unknown) => Model

async function modelClass (apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : [undefined, apiVersion]
  const specifier = group === undefined ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`
  let module: Record<string, unknown>
  try {
    module = await import(specifier) as Record<string, unknown>
  } catch {
    return undefined
  }
  const model = module[kind]
  return typeof model === 'function' ? model as ModelClass : undefined
}

/** The schema's complaints about one object; empty when it is valid. */
export async function schemaErrors (object: KubeObject): Promise<string[]> {
  const Model = await modelClass(object.apiVersion, object.kind)
  if (Model === undefined) return [`${object.apiVersion} ${object.kind} is not a kind of Kubernetes ${SCHEMA_KUBERNETES_VERSION}`]
  try {
    new Model(structuredClone(object)).validate()
    return []
  } catch (error) {
    return [(error as Error).message]
  }
}
