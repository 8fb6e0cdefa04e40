// Generates src/client/answer-checks.ts: one validator per JSON answer of each operation in
// openapi/aitbc.yaml, compiled ahead of time with ajv's standalone mode, so a command checks what the
// coordinator sent without loading the contract or ajv (cold start), and V8 compiles only the
// validators a command calls. OpenAPI 3.0's `nullable` becomes JSON Schema's `null` type first.
import {readFileSync} from 'node:fs'
import {pathToFileURL} from 'node:url'

import {Ajv} from 'ajv'
import standaloneCode from 'ajv/dist/standalone/index.js'
import {parse} from 'yaml'

import {packageFile} from '../src/server/package-root.js'

const standalone = standaloneCode as unknown as (ajv: Ajv, refs: Record<string, string>) => string

// From the package root, not this file: the suite runs a compiled copy of it (scripts/build-tests.mjs).
export const ANSWER_CHECKS_FILE = pathToFileURL(packageFile('src/client/answer-checks.ts'))

const HEADER = `// Generated from openapi/aitbc.yaml by \`npm run gen:types\`. Do not edit.
/* eslint-disable */
// @ts-nocheck
`

type Schema = Record<string, unknown>

/** Words for people only; they would be copied into the generated code. */
const PROSE = new Set(['description', 'example', 'summary'])

/** OpenAPI 3.0 `nullable: true` as JSON Schema (the type, or the schema, or null), without prose. */
function forAjv(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(forAjv)
  if (typeof value !== 'object' || value === null) return value
  const {nullable, ...rest} = value as Schema
  const schema = Object.fromEntries(Object.entries(rest).filter(([key]) => !PROSE.has(key)).map(([key, inner]) => [key, forAjv(inner)]))
  if (nullable !== true) return schema
  if (typeof schema.type === 'string' && !schema.enum) return {...schema, type: [schema.type, 'null']}
  return {anyOf: [schema, {type: 'null'}]}
}

export function generateAnswerChecks(contractFile: URL): string {
  const document = parse(readFileSync(contractFile, 'utf8')) as Schema
  const components = document.components as Record<string, Record<string, Schema>>
  // Formats (date-time) are not checked: their code would need ajv-formats at run time.
  const ajv = new Ajv({code: {source: true, esm: true, lines: true}, strict: false, validateFormats: false, inlineRefs: false})
  const answers: Record<string, unknown> = {}
  const names: Record<string, string> = {error: 'aitbc#/components/schemas/Error'}
  const table: Record<string, Record<string, string>> = {}
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Schema>>)) {
    for (const [method, operation] of Object.entries(item)) {
      for (const [status, response] of Object.entries((operation.responses ?? {}) as Record<string, Schema>)) {
        // Errors are checked against the one Error schema, whatever status the coordinator chose.
        if (!status.startsWith('2')) continue
        const schema = (response.content as Record<string, {schema: Schema}> | undefined)?.['application/json']?.schema
        if (!schema) continue
        // An answer that is one schema of the contract is checked by that schema's function (shared).
        const ref = (schema.$ref as string | undefined)?.replace('#/components/schemas/', '')
        const name = ref ?? `${operation.operationId as string}_${status}`
        if (!ref) answers[name] = forAjv(schema)
        names[name] = `aitbc#/components/schemas/${name}`
        ;(table[`${method.toUpperCase()} ${path}`] ??= {})[status] = name
      }
    }
  }
  // Answers beside the schemas they use, so a schema that several answers use (Job) becomes one function.
  ajv.addSchema({$id: 'aitbc', components: {schemas: {...(forAjv(components.schemas) as Schema), ...answers}}})
  const entries = Object.entries(table).map(
    ([operation, byStatus]) => `  ${JSON.stringify(operation)}: {${Object.entries(byStatus).map(([status, name]) => `${JSON.stringify(status)}: ${name}`).join(', ')}},`,
  )
  return [
    HEADER,
    standalone(ajv, names),
    '\n\n/** "METHOD /path/{param}" -> HTTP status -> the check of its JSON answer; errors use `error`. */',
    `\nexport const ANSWER_CHECKS = {\n${entries.join('\n')}\n}\n`,
  ].join('')
}

export function committedAnswerChecks(): string {
  return readFileSync(ANSWER_CHECKS_FILE, 'utf8')
}
