// What a user sees of the contract at /openapi.json (and at the top of /docs): where to send requests
// is wherever they fetched it from, and the description says what the API is and how to authenticate.
import assert from 'node:assert/strict'
import {after, before, test} from 'node:test'

import {startTestServer, type TestServer} from '../helpers/server.js'

let server: TestServer
before(async () => (server = await startTestServer()))
after(() => server.close())

test('/openapi.json names no fixed server: clients use the origin they fetched it from', async () => {
  const document = (await server.request<Record<string, unknown>>('/openapi.json')).body
  assert.equal(document.servers, undefined)
  assert.doesNotMatch(JSON.stringify(document), /127\.0\.0\.1:8001/)
})

test("the contract's description tells a user what the API is and how to authenticate, not where it came from", async () => {
  const {description} = (await server.request<{info: {description: string}}>('/openapi.json')).body.info
  assert.match(description, /clients submit LLM jobs/)
  assert.match(description, /X-Api-Key/)
  assert.match(description, /`client`.*`miner`.*`admin`/s)
  assert.doesNotMatch(description, /seed contract|shared\/|api-reference\.md/)
})

test('every pattern in the contract says in words what it allows (its schema\'s description), for validation messages', async () => {
  const {schemas} = (await server.request<{components: {schemas: Record<string, {pattern?: string; description?: string}>}}>('/openapi.json')).body.components
  const patterned = Object.entries(schemas).filter(([, schema]) => schema.pattern !== undefined)
  assert.ok(patterned.length > 0)
  for (const [name, schema] of patterned) assert.match(schema.description ?? '', /letters/, `${name} has a pattern and no description in words`)
})
