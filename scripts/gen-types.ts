// Generates, from the contract, src/contract/api-schema.ts (the types of what is sent),
// src/contract/validated-input.ts (the types of a request once the server validated it: defaults filled
// in) and src/client/answer-checks.ts (answer validators). The freshness test calls the same functions.
import {readFileSync, writeFileSync} from 'node:fs'
import {pathToFileURL} from 'node:url'

import openapiTS, {astToString, type OpenAPI3} from 'openapi-typescript'
import {parse} from 'yaml'

import {packageFile} from '../src/server/package-root.js'
import {ANSWER_CHECKS_FILE, generateAnswerChecks} from './gen-answer-checks.js'

// From the package root, not this file: the suite runs a compiled copy of it (scripts/build-tests.mjs).
export const CONTRACT = pathToFileURL(packageFile('openapi/aitbc.yaml'))
export const SCHEMA_FILE = pathToFileURL(packageFile('src/contract/api-schema.ts'))
export const VALIDATED_INPUT_FILE = pathToFileURL(packageFile('src/contract/validated-input.ts'))

const HEADER = '// Generated from openapi/aitbc.yaml by `npm run gen:types`. Do not edit.\n\n'

export async function generateApiTypes(): Promise<string> {
  // Fields with a default may be left out of requests, so they are not made required.
  return HEADER + astToString(await openapiTS(CONTRACT, {defaultNonNullable: false}))
}

/**
 * The same types with every field and parameter that has a default required: what a handler receives
 * once the validator filled the defaults in.
 */
export async function generateValidatedInputTypes(): Promise<string> {
  const contract = parse(readFileSync(CONTRACT, 'utf8')) as OpenAPI3
  for (const parameter of parametersOf(contract)) if (parameter.schema?.default !== undefined) parameter.required = true
  return HEADER + astToString(await openapiTS(contract, {defaultNonNullable: true}))
}

interface Parameter {
  required?: boolean
  schema?: {default?: unknown}
}

/** Every parameter object of the contract: shared ones, and those declared by a path or an operation. */
function parametersOf(contract: OpenAPI3): Parameter[] {
  const shared = Object.values(contract.components?.parameters ?? {})
  const inline = Object.values(contract.paths ?? {}).flatMap((item) =>
    Object.values(item as Record<string, {parameters?: unknown[]}>).flatMap((operation) => operation?.parameters ?? []),
  )
  return [...shared, ...inline].filter((parameter): parameter is Parameter => typeof parameter === 'object' && parameter !== null && !('$ref' in parameter))
}

export function committedApiTypes(): string {
  return readFileSync(SCHEMA_FILE, 'utf8')
}

export function committedValidatedInputTypes(): string {
  return readFileSync(VALIDATED_INPUT_FILE, 'utf8')
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(SCHEMA_FILE, await generateApiTypes())
  writeFileSync(VALIDATED_INPUT_FILE, await generateValidatedInputTypes())
  writeFileSync(ANSWER_CHECKS_FILE, generateAnswerChecks(CONTRACT))
}
