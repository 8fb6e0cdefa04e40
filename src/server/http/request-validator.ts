// Validates path, query, header and body input against the contract with ajv. Query, path and header
// values arrive as strings; numeric ones are converted only when they are plain decimal numbers, so
// `limit=0x10` or `limit=` is a 400, not a surprise. Defaults from the contract are filled in.
//
// Compiling the 29 operations' schemas took ~0.2 CPU-s of every coordinator start, and loading ajv
// ~0.08 more. The build writes the same validators as code (ajv's standalone mode,
// scripts/gen-request-validators.ts) to dist/request-validators.cjs under a digest of everything they
// are compiled from (validatorsKey); a start uses them while that digest matches, and compiles
// otherwise (an edited contract, a test's own contract, no build).
import {createRequire} from 'node:module'

import type {Ajv, CodeOptions, ErrorObject, ValidateFunction} from 'ajv'

import {sha256Hex} from '../../protocol/encoding.js'
import {packageFile} from '../package-root.js'
import {badRequest} from './api-error.js'
import type {Contract, JsonSchema, OperationSpec, ParameterLocation} from './contract.js'
import {fieldWithControlCharacter} from './control-characters.js'

/** Written by the build (scripts/gen-request-validators.ts). CommonJS: a start loads it synchronously. */
export const REQUEST_VALIDATORS_FILE = packageFile('dist/request-validators.cjs')

const SCHEMA_ID = 'aitbc'
const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/
const AJV_OPTIONS = {useDefaults: true, strict: true, allErrors: false} as const
const KEYWORDS = ['example', 'x-aitbc-extension']
const LOCATIONS = ['path', 'query', 'header'] as const

// ajv is loaded by node from node_modules, not bundled, and only when something is compiled: a start
// that finds the generated validators never loads it.
const load = createRequire(import.meta.url)

/** An ajv set up as the validators need it: the contract's keywords and formats, and its schemas as `aitbc#/$defs/…`. */
export function contractAjv(contract: Contract, code?: CodeOptions): Ajv {
  const {Ajv: AjvClass} = load('ajv') as typeof import('ajv')
  const addFormats = load('ajv-formats') as (ajv: Ajv) => Ajv
  const ajv = new AjvClass({...AJV_OPTIONS, code})
  for (const keyword of KEYWORDS) ajv.addKeyword(keyword)
  addFormats(ajv)
  ajv.addSchema({$id: SCHEMA_ID, $defs: rewriteRefs(contract.schemas, '#/$defs/')})
  return ajv
}

/** The schemas an operation's input is checked against, by where it comes from; the name of each one's validator. */
export function inputSchemas(op: OperationSpec): Array<{name: string; schema: JsonSchema}> {
  const located = LOCATIONS.map((where) => ({name: validatorName(op, where), schema: locationSchema(op, where)}))
  const body = op.requestBody ? [{name: validatorName(op, 'body'), schema: rewriteRefs(op.requestBody.schema, `${SCHEMA_ID}#/$defs/`) as JsonSchema}] : []
  return [...located, ...body]
}

/** A digest of everything the validators are compiled from: the generated ones stand in only while it matches. */
export function validatorsKey(contract: Contract): string {
  const inputs = [...contract.operations.values()].map(inputSchemas)
  return sha256Hex(JSON.stringify({AJV_OPTIONS, KEYWORDS, schemas: contract.schemas, inputs}))
}

const validatorName = (op: OperationSpec, where: ParameterLocation | 'body') => `${op.operationId}_${where}`
// Header names are case-insensitive; Node gives them in lower case.
const parameterKey = (where: ParameterLocation, name: string) => (where === 'header' ? name.toLowerCase() : name)

function locationSchema(op: OperationSpec, where: ParameterLocation): JsonSchema {
  const specs = op.parameters.filter((p) => p.in === where)
  return {
    type: 'object',
    properties: Object.fromEntries(specs.map((p) => [parameterKey(where, p.name), rewriteRefs(p.schema, `${SCHEMA_ID}#/$defs/`)])),
    required: specs.filter((p) => p.required).map((p) => parameterKey(where, p.name)),
  }
}

/** The generated validators, when the file exists and was made from this contract. */
function generatedValidators(contract: Contract, file: string): Record<string, ValidateFunction> | undefined {
  let generated: {key?: string} & Record<string, ValidateFunction>
  try {
    generated = load(file) as typeof generated
  } catch {
    return undefined
  }
  return generated.key === validatorsKey(contract) ? generated : undefined
}

export interface RawInput {
  params: Record<string, string>
  query: Record<string, string | string[] | undefined>
  headers: Record<string, string | string[] | undefined>
  body: unknown
  hasBody: boolean
}

export interface ValidInput {
  params: Record<string, unknown>
  query: Record<string, unknown>
  headers: Record<string, unknown>
  body: unknown
}

export type InputValidator = (raw: RawInput) => ValidInput

export class RequestValidator {
  private static readonly byContract = new WeakMap<Contract, RequestValidator>()
  private readonly compiled = new Map<string, InputValidator>()
  /** The validator of one input schema: generated at build time, or compiled now. */
  private readonly validatorOf: (name: string, schema: JsonSchema) => ValidateFunction
  /** Whether the validators are the build's (the test of them reads it). */
  readonly generated: boolean

  /** One validator per contract: compiling the schemas is the slow part of building an app. */
  static for(contract: Contract, generatedFile = REQUEST_VALIDATORS_FILE): RequestValidator {
    let validator = this.byContract.get(contract)
    if (!validator) this.byContract.set(contract, (validator = new RequestValidator(contract, generatedFile)))
    return validator
  }

  private constructor(
    private readonly contract: Contract,
    generatedFile: string,
  ) {
    const generated = generatedValidators(contract, generatedFile)
    this.generated = generated !== undefined
    if (generated) {
      this.validatorOf = (name) => generated[name]!
    } else {
      let ajv: Ajv | undefined
      this.validatorOf = (_name, schema) => (ajv ??= contractAjv(contract)).compile(schema)
    }
  }

  compile(op: OperationSpec): InputValidator {
    let validator = this.compiled.get(op.operationId)
    if (!validator) this.compiled.set(op.operationId, (validator = this.build(op)))
    return validator
  }

  private build(op: OperationSpec): InputValidator {
    const schemas = new Map(inputSchemas(op).map(({name, schema}) => [name, schema]))
    const validate = (where: ParameterLocation | 'body') => this.validatorOf(validatorName(op, where), schemas.get(validatorName(op, where))!)
    const locations = LOCATIONS.map((where) => this.checkLocation(op, where, validate(where)))
    const body = op.requestBody && validate('body')
    return (raw) => {
      const [params, query, headers] = locations.map((check) => check(raw))
      if (!op.requestBody || !body) return {params, query, headers, body: undefined}
      if (!raw.hasBody) {
        if (op.requestBody.required) throw badRequest('a JSON request body is required')
        return {params, query, headers, body: undefined}
      }
      if (!body(raw.body)) throw badRequest(describe('body', body.errors, this.patternWords))
      const named = fieldWithControlCharacter(raw.body)
      if (named !== undefined) throw badRequest(`body field ${named} must not contain control characters`)
      return {params, query, headers, body: raw.body}
    }
  }

  private checkLocation(op: OperationSpec, where: ParameterLocation, validate: ValidateFunction): (raw: RawInput) => Record<string, unknown> {
    const specs = op.parameters.filter((p) => p.in === where)
    // Nothing to read or check (the path of POST /v1/jobs, most queries): no schema run per request.
    if (specs.length === 0) return () => ({})
    const key = (name: string) => parameterKey(where, name)
    const numeric = new Set(specs.filter((p) => this.isNumeric(p.schema)).map((p) => key(p.name)))
    const source = {path: 'params', query: 'query', header: 'headers'} as const
    return (raw) => {
      const values: Record<string, unknown> = {}
      for (const spec of specs) {
        const value = raw[source[where]][key(spec.name)]
        if (value === undefined) continue
        values[key(spec.name)] = numeric.has(key(spec.name)) && typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value
      }
      if (!validate(values)) throw badRequest(describe(where, validate.errors, this.patternWords, specs.map((p) => p.name)))
      return values
    }
  }

  /**
   * What a pattern allows, in words: the description of the contract schema the failed pattern is in
   * (`aitbc#/$defs/PrincipalName/pattern`). A user never sees the regular expression.
   */
  private readonly patternWords = (schemaPath: string): string | undefined => {
    const name = /#\/\$defs\/([^/]+)\/pattern$/.exec(schemaPath)?.[1]
    const description = name ? this.contract.schemas[name]?.description : undefined
    return typeof description === 'string' ? description : undefined
  }

  private isNumeric(schema: JsonSchema): boolean {
    const ref = schema.$ref as string | undefined
    const resolved = ref ? this.contract.schemas[ref.replace('#/components/schemas/', '')] : schema
    return resolved?.type === 'integer' || resolved?.type === 'number'
  }
}

function rewriteRefs(value: unknown, prefix: string): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, prefix))
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', prefix) : rewriteRefs(v, prefix),
    ]),
  )
}

/** One sentence naming the field: `body field params.max_tokens must be <= 32768`. */
function describe(
  where: ParameterLocation | 'body',
  errors: ErrorObject[] | null | undefined,
  patternWords: (schemaPath: string) => string | undefined,
  names: string[] = [],
): string {
  const error = errors?.[0]
  if (!error) return `invalid ${where}`
  const path = error.instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
  if (error.keyword === 'required') path.push(String(error.params.missingProperty))
  if (error.keyword === 'additionalProperties') path.push(String(error.params.additionalProperty))
  const field = path.join('.')
  const label = labelOf(where, field, names)
  switch (error.keyword) {
    case 'required':
      return `${label} is required`
    case 'additionalProperties':
      return `${label} is not allowed`
    case 'enum':
      return `${label} must be one of: ${(error.params.allowedValues as unknown[]).join(', ')}`
    case 'pattern': {
      const words = patternWords(error.schemaPath)
      return words ? `${label} must be ${words}` : `${label} holds characters that are not allowed there`
    }
    default:
      return `${label} ${error.message ?? 'is invalid'}`
  }
}

function labelOf(where: ParameterLocation | 'body', field: string, names: string[]): string {
  if (where === 'body') return field ? `body field ${field}` : 'the request body'
  if (where === 'header') return `header ${names.find((name) => name.toLowerCase() === field) ?? field}`
  return `${where} parameter ${field}`
}
