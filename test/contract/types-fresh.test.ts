import assert from 'node:assert/strict'
import {it} from 'node:test'

import {committedAnswerChecks, generateAnswerChecks} from '../../scripts/gen-answer-checks.js'
import {committedApiTypes, CONTRACT, generateApiTypes} from '../../scripts/gen-types.js'

it('src/client/api-schema.ts matches openapi/aitbc.yaml (run `npm run gen:types`)', async () => {
  assert.equal(committedApiTypes(), await generateApiTypes())
})

it('src/client/answer-checks.ts matches openapi/aitbc.yaml (run `npm run gen:types`)', () => {
  assert.equal(committedAnswerChecks(), generateAnswerChecks(CONTRACT))
})
