import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {checkBlock, type Block, type Transaction} from '../../src/protocol/ledger.js'
import {verifyReceipt} from '../../src/protocol/receipt.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {assertError, claim, eventually, register, runJob, submit, type JobBody} from './fixtures.js'

type BlockDetail = Block & {transaction_list: Transaction[]}

async function snapshot(server: TestServer) {
  const get = async (path: string) => (await server.request(path, {key: server.adminKey})).body
  return {
    jobs: await get('/v1/jobs?limit=100'),
    receipts: await get('/v1/receipts?limit=100'),
    keys: await get('/v1/admin/keys'),
    transactions: await get('/explorer/transactions?limit=100'),
    blocks: await get('/explorer/blocks?limit=100'),
  }
}

async function verifyChain(server: TestServer): Promise<number> {
  const [head] = (await server.request<Block[]>('/explorer/blocks?limit=1')).body
  let previous: {height: number; hash: string} | undefined
  for (let height = 0; height <= head.height; height++) {
    const {transaction_list: txs, ...block} = (await server.request<BlockDetail>(`/explorer/blocks/${height}`)).body
    assert.equal(checkBlock(block, txs, previous, server.trustedKeyIds), undefined, `block ${height}`)
    previous = block
  }
  return head.height
}

describe('restart on the same data directory', () => {
  it('keeps jobs, miners, keys, receipts and the ledger, which continues from its head', async () => {
    let server = await startTestServer()
    try {
      await register(server, 'miner-1', ['llama3.2'])
      const {receipt} = await runJob(server, 'kept')
      const pending = await submit(server, {prompt: 'still pending'})
      const running = await submit(server, {prompt: 'still running'})
      await claim(server, running.job_id, 'miner-1')
      const erin = (await server.request<{api_key: string}>('/v1/admin/keys', {key: server.adminKey, method: 'POST', body: {role: 'client', name: 'erin'}})).body.api_key
      const frank = (await server.request<{api_key: string}>('/v1/admin/keys', {key: server.adminKey, method: 'POST', body: {role: 'client', name: 'frank'}})).body.api_key
      await server.request('/v1/admin/keys/frank', {key: server.adminKey, method: 'DELETE'})
      // Some transactions sealed, then stop without waiting: shutdown seals the rest.
      await eventually(async () => ((await server.request<Block[]>('/explorer/blocks?limit=1')).body[0].height >= 1 ? true : undefined))
      await submit(server, {prompt: 'last before stop', params: {max_tokens: 9}}, erin)
      const before = await snapshot(server)

      server = await server.restart()
      const after = await snapshot(server)
      assert.deepEqual(after.jobs, before.jobs)
      assert.deepEqual(after.receipts, before.receipts)
      assert.deepEqual(after.keys, before.keys)
      // Shutdown sealed what was pending into one more block; everything else is as it was.
      const withoutHeight = (txs: unknown) => (txs as Transaction[]).map(({block_height: _h, ...tx}: Transaction & {block_height?: unknown}) => tx)
      assert.deepEqual(withoutHeight(after.transactions), withoutHeight(before.transactions))
      const [blocksBefore, blocksAfter] = [before.blocks as Block[], after.blocks as Block[]]
      assert.ok(blocksAfter.length - blocksBefore.length <= 1)
      assert.deepEqual(blocksAfter.slice(blocksAfter.length - blocksBefore.length), blocksBefore)
      assert.equal(verifyReceipt((after.receipts as unknown[])[0], server.trustedKeyIds), undefined)
      assert.equal((after.receipts as {receipt_id: string}[])[0].receipt_id, receipt.receipt_id)
      const unsealed = (after.transactions as {block_height: number | null}[]).filter((tx) => tx.block_height === null)
      assert.deepEqual(unsealed, [], 'shutdown sealed every transaction')

      // Keys: erin still works, frank is still revoked.
      assert.equal((await server.request('/v1/jobs', {key: erin})).status, 200)
      assertError(await server.request('/v1/jobs', {key: frank}), 401, 'unauthorized', /revoked/)
      // Miners: miner-1 still belongs to the miner principal and can finish what it holds.
      const offered = await server.request<JobBody>('/v1/jobs/available?miner_id=miner-1', {key: server.minerKey})
      assert.equal(offered.body.job_id, pending.job_id)
      const done = await server.request(`/v1/jobs/${running.job_id}/complete`, {key: server.minerKey, method: 'POST', body: {miner_id: 'miner-1', result: 'after restart'}})
      assert.equal(done.status, 200)
      // Idempotency keys survive too.
      const replay = await server.request<JobBody>('/v1/jobs', {key: server.clientKey, method: 'POST', body: {prompt: 'idem'}, headers: {'Idempotency-Key': 'k'}})
      server = await server.restart()
      const replayed = await server.request<JobBody>('/v1/jobs', {key: server.clientKey, method: 'POST', body: {prompt: 'idem'}, headers: {'Idempotency-Key': 'k'}})
      assert.equal(replayed.body.job_id, replay.body.job_id)

      // The ledger continues: seq without gaps, new blocks chained onto the old head.
      const headBefore = (before.blocks as Block[])[0].height
      await eventually(async () => ((await server.request<Block[]>('/explorer/blocks?limit=1')).body[0].height > headBefore ? true : undefined))
      const txs = (await server.request<Transaction[]>('/explorer/transactions?limit=100')).body
      assert.deepEqual(txs.map((tx) => tx.seq), Array.from({length: txs.length}, (_, i) => txs.length - i))
      assert.ok((await verifyChain(server)) > headBefore)
    } finally {
      await server.close()
    }
  })
})
