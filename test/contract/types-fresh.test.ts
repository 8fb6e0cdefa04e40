import assert from 'node:assert/strict'
import {it} from 'node:test'

import {committedApiTypes, generateApiTypes} from '../../scripts/gen-types.js'

it('src/client/api-schema.ts matches openapi/aitbc.yaml (run `npm run gen:types`)', async () => {
  assert.equal(committedApiTypes(), await generateApiTypes())
})
