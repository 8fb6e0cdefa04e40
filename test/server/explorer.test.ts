import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {checkBlock, transactionHash, type Block, type Transaction} from '../../src/protocol/ledger.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {assertError, eventually, register, runJob, sleep} from './fixtures.js'

type BlockDetail = Block & {transaction_list: (Transaction & {block_height: number | null})[]}

let server: TestServer

before(async () => {
  server = await startTestServer()
  await register(server, 'miner-1', ['llama3.2'])
  await runJob(server, 'first')
  await runJob(server, 'second')
})
after(() => server.close())

async function sealedHead(): Promise<number> {
  // Wait until every transaction so far is sealed.
  return eventually(async () => {
    const [latest] = (await server.request<{block_height: number | null}[]>('/explorer/transactions?limit=1')).body
    return latest.block_height ?? undefined
  }, 3000, 'the block sealer')
}

describe('ledger and blocks', () => {
  it('every block from genesis recomputes and its signature verifies', async () => {
    const head = await sealedHead()
    assert.ok(head >= 1)
    let previous: {height: number; hash: string} | undefined
    let sealed = 0
    for (let height = 0; height <= head; height++) {
      const res = await server.request<BlockDetail>(`/explorer/blocks/${height}`)
      assert.equal(res.status, 200)
      const {transaction_list: txs, ...block} = res.body
      assert.equal(checkBlock(block, txs, previous, server.trustedKeyIds), undefined, `block ${height}`)
      assert.ok(txs.every((tx) => tx.block_height === height))
      if (height === 0) assert.equal(block.transactions, 0)
      sealed += txs.length
      previous = {height: block.height, hash: block.hash}
    }
    const all = (await server.request<Transaction[]>('/explorer/transactions?limit=100')).body
    assert.equal(sealed, all.length)
  })

  it('a tampered transaction or a foreign key fails the check', async () => {
    const {transaction_list: txs, ...block} = (await server.request<BlockDetail>('/explorer/blocks/1')).body
    const previous = (await server.request<Block>('/explorer/blocks/0')).body
    const changed = txs.map((tx, i) => (i === 0 ? {...tx, data: {...tx.data, extra: 1}} : tx))
    assert.equal(checkBlock(block, changed, previous, server.trustedKeyIds), 'tx_hash_mismatch')
    assert.equal(checkBlock(block, txs, previous, new Set(['someone-else'])), 'untrusted_key')
  })

  it('records every state change as a transaction with seq from 1 and a valid hash', async () => {
    const txs = (await server.request<Transaction[]>('/explorer/transactions?limit=100')).body
    assert.deepEqual(txs.map((tx) => tx.seq), Array.from({length: txs.length}, (_, i) => txs.length - i))
    assert.ok(txs.every((tx) => transactionHash(tx) === tx.tx_hash))
    const types = new Set(txs.map((tx) => tx.type))
    for (const type of ['miner_registered', 'job_submitted', 'job_claimed', 'job_completed', 'receipt_issued']) assert.ok(types.has(type as never), type)
    // The ledger is public: no prompt or result text in it.
    assert.ok(!JSON.stringify(txs).includes('"first"'))
  })

  it('a block read while more transactions wait unsealed than later blocks hold is exactly its own', async () => {
    // Its own server: blocks sealed by hand, so the test decides what is sealed and what waits.
    const own = await startTestServer({config: {blockIntervalSeconds: 3600}})
    try {
      const {sealer} = own.app.coordinator
      await register(own, 'rig-a', ['llama3.2'])
      const before = (await sealer.sealNow())!
      await register(own, 'miner-1', ['llama3.2'])
      const last = (await sealer.sealNow())!
      assert.equal(last.transactions, 1)
      // Three transactions wait, more than the one block after `before`: they were read as its own.
      await runJob(own, 'waits unsealed')
      for (const block of [before, last]) {
        const {transaction_list: txs, ...header} = (await own.request<BlockDetail>(`/explorer/blocks/${block.height}`)).body
        assert.equal(txs.length, header.transactions, `block ${block.height}: seq ${txs.map((tx) => tx.seq).join(', ')}`)
        assert.equal(checkBlock(header, txs, (await own.request<Block>(`/explorer/blocks/${block.height - 1}`)).body, own.trustedKeyIds), undefined)
      }
    } finally {
      await own.close()
    }
  })

  it('does not seal empty blocks', async () => {
    const head = await sealedHead()
    await sleep(500)
    const [latest] = (await server.request<Block[]>('/explorer/blocks?limit=1')).body
    assert.equal(latest.height, head)
  })

  it('lists blocks newest first with limit and before; 404 and 400 for bad heights', async () => {
    const blocks = (await server.request<Block[]>('/explorer/blocks')).body
    assert.ok(blocks.length >= 2)
    assert.deepEqual(blocks.map((b) => b.height), blocks.map((_, i) => blocks[0].height - i))
    assert.equal(blocks.at(-1)!.height, 0)
    assert.ok(blocks.every((b) => b.signature && b.merkle_root && b.prev_hash && typeof b.transactions === 'number'))
    const before = (await server.request<Block[]>(`/explorer/blocks?before=1`)).body
    assert.deepEqual(before.map((b) => b.height), [0])
    assert.equal((await server.request<Block[]>('/explorer/blocks?limit=1')).body.length, 1)
    assertError(await server.request('/explorer/blocks/999'), 404, 'not_found')
    assertError(await server.request('/explorer/blocks/abc'), 400, 'validation_failed', /height must be integer/)
    assertError(await server.request('/explorer/blocks?limit=101'), 400, 'validation_failed', /limit/)
  })
})

describe('explorer receipts and stats', () => {
  it('lists receipts newest first without a key', async () => {
    const receipts = (await server.request<{receipt_id: string}[]>('/explorer/receipts?limit=1')).body
    assert.equal(receipts.length, 1)
    assert.match(receipts[0].receipt_id, /^rcpt_/)
  })

  it('counts jobs, active miners, receipts and the block height', async () => {
    const head = await sealedHead()
    const stats = (await server.request<Record<string, number>>('/explorer/stats')).body
    assert.deepEqual(stats, {total_jobs: 2, active_miners: 1, total_receipts: 2, block_height: head})
  })
})
