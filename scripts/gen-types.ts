// Generates, from the contract, src/contract/api-schema.ts (the types of what is sent),
// src/contract/validated-input.ts (the types of a request once the server validated it: defaults filled
// in) and src/client/answer-checks.ts (answer validators). The freshness test calls the same functions.
import {readFileSync, writeFileSync} from 'node:fs'
import {pathToFileURL} from 'node:url'

import openapiTS, {astToString} from 'openapi-typescript'

import {ANSWER_CHECKS_FILE, generateAnswerChecks} from './gen-answer-checks.js'

export const CONTRACT = new URL('../openapi/aitbc.yaml', import.meta.url)
export const SCHEMA_FILE = new URL('../src/contract/api-schema.ts', import.meta.url)
export const VALIDATED_INPUT_FILE = new URL('../src/contract/validated-input.ts', import.meta.url)

const HEADER = '// Generated from openapi/aitbc.yaml by `npm run gen:types`. Do not edit.\n\n'

export async function generateApiTypes(): Promise<string> {
  // Fields with a default may be left out of requests, so they are not made required.
  return HEADER + astToString(await openapiTS(CONTRACT, {defaultNonNullable: false}))
}

/** The same types with every field that has a default required: what a handler receives. */
export async function generateValidatedInputTypes(): Promise<string> {
  return HEADER + astToString(await openapiTS(CONTRACT, {defaultNonNullable: true}))
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
