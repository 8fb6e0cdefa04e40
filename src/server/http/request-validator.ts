// Validates path, query, header and body input against the contract with ajv. Query, path and header
// values arrive as strings; numeric ones are converted only when they are plain decimal numbers, so
// `limit=0x10` or `limit=` is a 400, not a surprise. Defaults from the contract are filled in.
import {Ajv, type ErrorObject} from 'ajv'
import addFormatsModule from 'ajv-formats'

import {badRequest} from './api-error.js'
import type {Contract, JsonSchema, OperationSpec, ParameterLocation} from './contract.js'
import {fieldWithControlCharacter} from './control-characters.js'

// ajv-formats is CommonJS with an ESM-style declaration; at run time the default import is the plugin.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

const SCHEMA_ID = 'aitbc'
const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/

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
  private readonly ajv = new Ajv({useDefaults: true, strict: true, allErrors: false})
  private readonly compiled = new Map<string, InputValidator>()

  /** One validator per contract: compiling the schemas is the slow part of building an app. */
  static for(contract: Contract): RequestValidator {
    let validator = this.byContract.get(contract)
    if (!validator) this.byContract.set(contract, (validator = new RequestValidator(contract)))
    return validator
  }

  private constructor(private readonly contract: Contract) {
    for (const keyword of ['example', 'x-aitbc-extension']) this.ajv.addKeyword(keyword)
    addFormats(this.ajv)
    this.ajv.addSchema({$id: SCHEMA_ID, $defs: rewriteRefs(contract.schemas, '#/$defs/')})
  }

  compile(op: OperationSpec): InputValidator {
    let validator = this.compiled.get(op.operationId)
    if (!validator) this.compiled.set(op.operationId, (validator = this.build(op)))
    return validator
  }

  private build(op: OperationSpec): InputValidator {
    const locations = (['path', 'query', 'header'] as const).map((where) => this.compileLocation(op, where))
    const body = op.requestBody && this.ajv.compile(rewriteRefs(op.requestBody.schema, `${SCHEMA_ID}#/$defs/`) as JsonSchema)
    return (raw) => {
      const [params, query, headers] = locations.map((validate) => validate(raw))
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

  private compileLocation(op: OperationSpec, where: ParameterLocation): (raw: RawInput) => Record<string, unknown> {
    const specs = op.parameters.filter((p) => p.in === where)
    // Nothing to read or check (the path of POST /v1/jobs, most queries): no schema run per request.
    if (specs.length === 0) return () => ({})
    // Header names are case-insensitive; Node gives them in lower case.
    const key = (name: string) => (where === 'header' ? name.toLowerCase() : name)
    const schema = {
      type: 'object',
      properties: Object.fromEntries(specs.map((p) => [key(p.name), rewriteRefs(p.schema, `${SCHEMA_ID}#/$defs/`)])),
      required: specs.filter((p) => p.required).map((p) => key(p.name)),
    }
    const validate = this.ajv.compile(schema)
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
