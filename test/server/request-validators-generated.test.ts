// The request validators the build generates (dist/request-validators.cjs) stand in for compiling the
// contract's schemas only while they were made from the same contract, and then answer exactly as the
// compiled ones do: the same values with the same defaults filled in, the same 400s.
import assert from 'node:assert/strict'
import {mkdtemp, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'

import {generateRequestValidators} from '../../scripts/gen-request-validators.js'
import {parseContract, readContractDocument, type Contract} from '../../src/server/http/contract.js'
import {packageFile} from '../../src/server/package-root.js'
import {RequestValidator, validatorsKey, type RawInput} from '../../src/server/http/request-validator.js'

const contract = (): Contract => parseContract(readContractDocument())
const operations = contract().operations

/** What a validator makes of an input: the values, or the error's status and message. */
function outcome(validator: RequestValidator, operationId: string, raw: RawInput): unknown {
  try {
    return {valid: validator.compile(operations.get(operationId)!)(structuredClone(raw))}
  } catch (error) {
    return {refused: (error as Error).message}
  }
}

const raw = (input: Partial<RawInput>): RawInput => ({params: {}, query: {}, headers: {}, body: undefined, hasBody: false, ...input})

/** Inputs every operation is tried with: nothing, wrong types and shapes, and some valid ones. */
const INPUTS: RawInput[] = [
  raw({}),
  raw({body: {}, hasBody: true}),
  raw({body: {prompt: 'hello'}, hasBody: true}),
  raw({body: {prompt: 'hello', model: 'llama3.2', params: {max_tokens: 16}}, hasBody: true}),
  raw({body: {prompt: '', unknown: 1}, hasBody: true}),
  raw({body: {prompt: 'hello', params: {max_tokens: 10 ** 9}}, hasBody: true}),
  raw({body: [1, 2], hasBody: true}),
  raw({body: {name: 'a b/c', role: 'nobody', output: 42, error: 'x', models: ['m'], miner_id: 'm-1'}, hasBody: true}),
  raw({query: {limit: '0x10', offset: '-1', status: 'nonsense', wait: '5'}}),
  raw({query: {limit: '5', offset: '2', status: 'pending', wait: '1.5'}}),
  raw({params: {job_id: 'j'.repeat(500), key_id: 'k', height: 'x', receipt_id: 'r'}}),
  raw({headers: {'idempotency-key': '', 'last-event-id': 'x'}}),
]

test('the generated validators are used only while they match the contract, and answer as compiled ones do', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'aitbc-validators-'))
  t.after(() => rm(dir, {recursive: true, force: true}))
  // The generated code requires ajv's runtime from node_modules, as it does from the package's dist/.
  await symlink(packageFile('node_modules'), path.join(dir, 'node_modules'))
  const file = path.join(dir, 'request-validators.cjs')
  await writeFile(file, generateRequestValidators(contract()))

  const generated = RequestValidator.for(contract(), file)
  const compiled = RequestValidator.for(contract(), path.join(dir, 'missing.cjs'))
  assert.equal(generated.generated, true, 'made from this contract: used')
  assert.equal(compiled.generated, false, 'no file: compiled')

  let refusals = 0
  for (const operationId of operations.keys()) {
    for (const input of INPUTS) {
      const answer = outcome(generated, operationId, input)
      assert.deepEqual(answer, outcome(compiled, operationId, input), `${operationId} ${JSON.stringify(input)}`)
      if ('refused' in (answer as object)) refusals++
    }
  }
  assert.ok(refusals > 50, `the inputs exercise the refusals (${refusals})`)
  assert.deepEqual(outcome(generated, 'submitJob', INPUTS[2]!), {
    valid: {params: {}, query: {}, headers: {}, body: {prompt: 'hello', model: 'llama3.2'}},
  }, 'the default model is filled in')

  // A contract that differs in one limit is not served by validators made from another.
  const document = readContractDocument()
  const schemas = (document.components as {schemas: Record<string, {properties: Record<string, Record<string, unknown>>}>}).schemas
  schemas.JobRequest!.properties.prompt!.maxLength = 3
  const edited = RequestValidator.for(parseContract(document), file)
  assert.equal(edited.generated, false, 'another contract: compiled')
  assert.deepEqual(outcome(edited, 'submitJob', INPUTS[2]!), {refused: 'body field prompt must NOT have more than 3 characters'})

  const broken = path.join(dir, 'broken.cjs')
  await writeFile(broken, `exports.key = ${JSON.stringify(validatorsKey(contract()))}; throw new Error('broken')`)
  assert.equal(RequestValidator.for(contract(), broken).generated, false, 'a broken file: compiled')
})
