import assert from 'node:assert/strict'
import {it} from 'node:test'

import {committedAnswerChecks, generateAnswerChecks} from '../../scripts/gen-answer-checks.js'
import {committedApiTypes, committedValidatedInputTypes, CONTRACT, generateApiTypes, generateValidatedInputTypes} from '../../scripts/gen-types.js'

it('src/contract/api-schema.ts matches openapi/aitbc.yaml (run `npm run gen:types`)', async () => {
  assert.equal(committedApiTypes(), await generateApiTypes())
})

it('src/contract/validated-input.ts matches openapi/aitbc.yaml (run `npm run gen:types`)', async () => {
  assert.equal(committedValidatedInputTypes(), await generateValidatedInputTypes())
})

it('src/client/answer-checks.ts matches openapi/aitbc.yaml (run `npm run gen:types`)', () => {
  assert.equal(committedAnswerChecks(), generateAnswerChecks(CONTRACT))
})
