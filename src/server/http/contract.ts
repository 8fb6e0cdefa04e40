// openapi/aitbc.yaml, loaded once: the operations with their method, path, roles (`x-aitbc-roles`;
// `security: []` means public), parameters and request body. Routing, auth and validation all read it,
// so the contract is what the server enforces.
import {readFileSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'

import {sha256Hex} from '../../protocol/encoding.js'
import {packageFile} from '../package-root.js'
import {ROLES, type Role} from '../store/records.js'

/**
 * The YAML parser, loaded only when the JSON copy is missing or stale (the build and a contract being
 * edited): loading it cost some 0.09 CPU-s of every coordinator start.
 */
function parse(yaml: string): unknown {
  return (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(yaml)
}

/** The contract shipped with the package. */
export const CONTRACT_FILE = packageFile('openapi/aitbc.yaml')
/**
 * The contract as JSON, written by the build: parsing the YAML took ~0.27 s of every coordinator start
 * (in-process ones in tests too), JSON.parse of the same takes ~15 ms. It names the digest of the YAML it
 * came from and is used only while that still matches, so an edited contract is never shadowed.
 */
export const CONTRACT_JSON_FILE = packageFile('dist/openapi.json')

export type JsonSchema = Record<string, unknown>
export type ParameterLocation = 'path' | 'query' | 'header'

export interface ParameterSpec {
  name: string
  in: ParameterLocation
  required: boolean
  schema: JsonSchema
}

export interface OperationSpec {
  operationId: string
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** The OpenAPI path, e.g. `/v1/jobs/{job_id}`. */
  path: string
  /** undefined: public (`security: []`). */
  roles: readonly Role[] | undefined
  parameters: ParameterSpec[]
  requestBody?: {required: boolean; schema: JsonSchema}
  /** It takes the key as `Authorization: Bearer` too (its security lists the Bearer scheme). */
  bearer: boolean
  /** Its answers may be large (it declares the AnswerMemoryFull 503): refused early when that memory is full. */
  largeAnswer: boolean
  /**
   * A read of a large answer that does not wait (a GET without `wait`, so not a long poll): built in turn
   * with the others (answer-turns.ts). A long poll's answer is one job, built when the job comes.
   */
  builtInTurn: boolean
}

export interface Contract {
  document: Record<string, unknown>
  operations: ReadonlyMap<string, OperationSpec>
  schemas: Record<string, JsonSchema>
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

let cached: Contract | undefined

export function loadContract(): Contract {
  cached ??= parseContract(readContractDocument())
  return cached
}

interface ContractJson {
  yamlSha256: string
  document: Record<string, unknown>
}

/** The contract's document: from the JSON copy while it names this YAML's digest, else from the YAML. */
export function readContractDocument(yamlFile = CONTRACT_FILE, jsonFile = CONTRACT_JSON_FILE): Record<string, unknown> {
  const yaml = readFileSync(yamlFile, 'utf8')
  try {
    const json = JSON.parse(readFileSync(jsonFile, 'utf8')) as ContractJson
    if (json.yamlSha256 === sha256Hex(yaml)) return json.document
  } catch {
    // Not built, or unreadable: the YAML is the source anyway.
  }
  return parse(yaml) as Record<string, unknown>
}

/** Writes CONTRACT_JSON_FILE from the YAML (`npm run build`). */
export function writeContractJson(yamlFile = CONTRACT_FILE, jsonFile = CONTRACT_JSON_FILE): void {
  const yaml = readFileSync(yamlFile, 'utf8')
  const json: ContractJson = {yamlSha256: sha256Hex(yaml), document: parse(yaml) as Record<string, unknown>}
  writeFileSync(jsonFile, JSON.stringify(json))
}

export function parseContract(document: Record<string, unknown>): Contract {
  const components = (document.components ?? {}) as Record<string, Record<string, JsonSchema>>
  const schemas = components.schemas ?? {}
  const sharedParameters = components.parameters ?? {}
  const operations = new Map<string, OperationSpec>()
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, JsonSchema>>)) {
    for (const method of METHODS) {
      const op = item[method]
      if (!op) continue
      const operationId = op.operationId as string
      const parameters = ((op.parameters ?? []) as JsonSchema[]).map((p) => resolveParameter(p, sharedParameters))
      const body = (op.requestBody as JsonSchema | undefined)?.content as Record<string, JsonSchema> | undefined
      const bodySchema = body?.['application/json']?.schema as JsonSchema | undefined
      const largeAnswer = ((op.responses as Record<string, JsonSchema> | undefined)?.['503']?.$ref as string | undefined)?.endsWith('/AnswerMemoryFull') === true
      operations.set(operationId, {
        operationId,
        method: method.toUpperCase() as OperationSpec['method'],
        path,
        roles: rolesOf(operationId, op),
        parameters,
        requestBody: bodySchema ? {required: (op.requestBody as JsonSchema).required === true, schema: bodySchema} : undefined,
        bearer: ((op.security ?? []) as Array<Record<string, unknown>>).some((scheme) => 'Bearer' in scheme),
        largeAnswer,
        builtInTurn: largeAnswer && method === 'get' && !parameters.some((p) => p.name === 'wait'),
      })
    }
  }
  return {document, operations, schemas}
}

function resolveParameter(parameter: JsonSchema, shared: Record<string, JsonSchema>): ParameterSpec {
  const ref = parameter.$ref as string | undefined
  const p = ref ? shared[ref.replace('#/components/parameters/', '')] : parameter
  if (!p) throw new Error(`openapi: unresolved parameter ${ref}`)
  return {name: p.name as string, in: p.in as ParameterLocation, required: p.required === true, schema: (p.schema ?? {}) as JsonSchema}
}

function rolesOf(operationId: string, op: JsonSchema): readonly Role[] | undefined {
  const security = op.security as unknown[] | undefined
  if (Array.isArray(security) && security.length === 0) return undefined
  const roles = op['x-aitbc-roles'] as Role[] | undefined
  if (!Array.isArray(roles) || roles.length === 0 || roles.some((role) => !ROLES.includes(role))) {
    throw new Error(`openapi: ${operationId} needs x-aitbc-roles or security: []`)
  }
  return roles
}

/** A regular expression matching the concrete paths of an OpenAPI path template, capturing each parameter. */
export function pathPattern(path: string): RegExp {
  const source = path
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('([^/]+)')
  return new RegExp(`^${source}$`)
}
