import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {verifyReceipt} from '../../src/protocol/receipt.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {assertError, claim, complete, register, submit, type ReceiptBody} from './fixtures.js'

let server: TestServer
const keys: Record<string, string> = {}
const receipts: Record<string, ReceiptBody> = {}

async function createKey(role: string, name: string): Promise<string> {
  const res = await server.request<{api_key: string}>('/v1/admin/keys', {key: server.adminKey, method: 'POST', body: {role, name}})
  return res.body.api_key
}

// alice and bob are clients; rig-a (principal "miner") and rig-b (principal "other-miner") are miners.
before(async () => {
  server = await startTestServer()
  keys.alice = await createKey('client', 'alice')
  keys.bob = await createKey('client', 'bob')
  keys.otherMiner = await createKey('miner', 'other-miner')
  await register(server, 'rig-a', ['llama3.2'])
  await register(server, 'rig-b', ['llama3.2'], keys.otherMiner)
  for (const [name, client, minerId, minerKey] of [
    ['alice-a', keys.alice, 'rig-a', server.minerKey],
    ['alice-b', keys.alice, 'rig-b', keys.otherMiner],
    ['bob-a', keys.bob, 'rig-a', server.minerKey],
  ] as const) {
    const job = await submit(server, {prompt: name}, client)
    await claim(server, job.job_id, minerId, minerKey)
    const res = await server.request<ReceiptBody>(`/v1/jobs/${job.job_id}/complete`, {key: minerKey, method: 'POST', body: {miner_id: minerId, result: name}})
    receipts[name] = res.body
  }
})
after(() => server.close())

const ids = (list: ReceiptBody[]) => list.map((r) => r.receipt_id)

describe('GET /v1/receipts', () => {
  it('clients see their own receipts, newest first', async () => {
    const res = await server.request<ReceiptBody[]>('/v1/receipts', {key: keys.alice})
    assert.deepEqual(ids(res.body), [receipts['alice-b'].receipt_id, receipts['alice-a'].receipt_id])
    // A filter for someone else narrows to nothing; it never widens.
    assert.deepEqual((await server.request<ReceiptBody[]>('/v1/receipts?client=bob', {key: keys.alice})).body, [])
  })

  it('miners see the receipts their miners provided', async () => {
    const res = await server.request<ReceiptBody[]>('/v1/receipts', {key: server.minerKey})
    assert.deepEqual(ids(res.body), [receipts['bob-a'].receipt_id, receipts['alice-a'].receipt_id])
    const filtered = await server.request<ReceiptBody[]>('/v1/receipts?client=alice', {key: server.minerKey})
    assert.deepEqual(ids(filtered.body), [receipts['alice-a'].receipt_id])
    assert.deepEqual((await server.request<ReceiptBody[]>('/v1/receipts?provider=rig-b', {key: server.minerKey})).body, [])
  })

  it('admin sees all, filtered by client and provider, with limit and offset', async () => {
    const all = (await server.request<ReceiptBody[]>('/v1/receipts', {key: server.adminKey})).body
    assert.equal(all.length, 3)
    assert.ok(all.every((r) => verifyReceipt(r, server.trustedKeyIds) === undefined))
    const byProvider = (await server.request<ReceiptBody[]>('/v1/receipts?provider=rig-a', {key: server.adminKey})).body
    assert.deepEqual(ids(byProvider), [receipts['bob-a'].receipt_id, receipts['alice-a'].receipt_id])
    const both = (await server.request<ReceiptBody[]>('/v1/receipts?provider=rig-a&client=alice', {key: server.adminKey})).body
    assert.deepEqual(ids(both), [receipts['alice-a'].receipt_id])
    const page = (await server.request<ReceiptBody[]>('/v1/receipts?limit=1&offset=1', {key: server.adminKey})).body
    assert.deepEqual(ids(page), [all[1].receipt_id])
    assertError(await server.request('/v1/receipts?limit=101', {key: server.adminKey}), 400, 'validation_failed', /limit/)
  })
})

describe('GET /v1/receipts paged by before', () => {
  it('lists older receipts from a cursor; X-Next-Before names the next while more follow, and receipts issued between pages are not listed again', async () => {
    const {body: atStart} = await server.request<ReceiptBody[]>('/v1/receipts', {key: server.adminKey})
    const seen: string[] = []
    let path = '/v1/receipts?limit=1'
    for (;;) {
      const page = await server.request<ReceiptBody[]>(path, {key: server.adminKey})
      assert.equal(page.status, 200)
      seen.push(...ids(page.body))
      const next = page.headers.get('x-next-before')
      if (!next) break
      assert.equal(next, page.body.at(-1)!.receipt_id)
      const job = await submit(server, {prompt: 'between pages'}, keys.bob)
      await claim(server, job.job_id, 'rig-a', server.minerKey)
      await server.request(`/v1/jobs/${job.job_id}/complete`, {key: server.minerKey, method: 'POST', body: {miner_id: 'rig-a', result: 'later'}})
      path = `/v1/receipts?limit=1&before=${next}`
    }
    assert.deepEqual(seen, ids(atStart))
    // A client's own pages: the filters and the cursor together.
    const first = await server.request<ReceiptBody[]>('/v1/receipts?limit=1&client=alice', {key: keys.alice})
    assert.equal(first.headers.get('x-next-before'), receipts['alice-b'].receipt_id)
    const last = await server.request<ReceiptBody[]>(`/v1/receipts?limit=1&before=${receipts['alice-b'].receipt_id}`, {key: keys.alice})
    assert.deepEqual(ids(last.body), [receipts['alice-a'].receipt_id])
    assert.equal(last.headers.get('x-next-before'), null)
  })

  it('answers a cursor that is not one of the receipts listed with 400, alike whether it exists', async () => {
    const unknown = 'rcpt_01KBQ4Y0Z8G6W3T0M7N5C2H1XA'
    const theirs = receipts['bob-a'].receipt_id
    const [foreign, missing] = await Promise.all([theirs, unknown].map((id) => server.request<{detail: string}>(`/v1/receipts?before=${id}`, {key: keys.alice})))
    assertError(foreign, 400, 'validation_failed', /^query parameter before: rcpt_\w+ is not a receipt of this list; pass the receipt_id of the last receipt of a page$/)
    assertError(missing, 400, 'validation_failed')
    assert.equal(foreign.body.detail.replace(theirs, unknown), missing.body.detail)
    // A miner's principal: receipts its miners did not provide; with a filter, one the filter leaves out.
    assertError(await server.request(`/v1/receipts?before=${receipts['alice-b'].receipt_id}`, {key: server.minerKey}), 400, 'validation_failed')
    assertError(await server.request(`/v1/receipts?provider=rig-b&before=${theirs}`, {key: server.adminKey}), 400, 'validation_failed')
    assertError(await server.request(`/v1/receipts?client=bob&before=${receipts['alice-a'].receipt_id}`, {key: keys.alice}), 400, 'validation_failed')
    assert.equal((await server.request(`/v1/receipts?before=${theirs}`, {key: server.adminKey})).status, 200)
    assertError(await server.request('/v1/receipts?before=', {key: keys.alice}), 400, 'validation_failed', /before/)
    assertError(await server.request(`/v1/receipts?before=${'r'.repeat(201)}`, {key: keys.alice}), 400, 'validation_failed', /before/)
    assertError(await server.request(`/v1/receipts?before=${theirs}&before=${unknown}`, {key: keys.alice}), 400, 'validation_failed', /before/)
  })
})

describe('GET /v1/receipts/{id}', () => {
  it('is visible to its client, its provider’s principal and admin; 404 otherwise', async () => {
    const path = `/v1/receipts/${receipts['alice-a'].receipt_id}`
    for (const key of [keys.alice, server.minerKey, server.adminKey]) {
      const res = await server.request<ReceiptBody>(path, {key})
      assert.equal(res.status, 200)
      assert.deepEqual(res.body, receipts['alice-a'])
    }
    for (const key of [keys.bob, keys.otherMiner, server.clientKey]) assertError(await server.request(path, {key}), 404, 'not_found')
    assertError(await server.request('/v1/receipts/rcpt_nope', {key: server.adminKey}), 404, 'not_found')
  })

  it('a receipt fetched later still verifies, and a changed one does not', async () => {
    const receipt = (await server.request<ReceiptBody>(`/v1/receipts/${receipts['bob-a'].receipt_id}`, {key: keys.bob})).body
    assert.equal(verifyReceipt(receipt, server.trustedKeyIds), undefined)
    assert.equal(verifyReceipt({...receipt, price: receipt.price + 1}, server.trustedKeyIds), 'bad_signature')
  })
})

describe('receipts and their jobs', () => {
  it('the completed job names its receipt', async () => {
    const job = await submit(server, {prompt: 'link'}, keys.alice)
    await claim(server, job.job_id, 'rig-a')
    const receipt = await complete(server, job.job_id, 'ok', 'rig-a')
    const fetched = (await server.request<{receipt_id: string}>(`/v1/jobs/${job.job_id}`, {key: keys.alice})).body
    assert.equal(fetched.receipt_id, receipt.receipt_id)
  })
})
