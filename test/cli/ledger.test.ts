// `aitbc receipts list|get` and `aitbc explorer blocks|block|transactions|receipts|stats` against a
// coordinator holding two completed jobs and a few sealed blocks.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import type {Block, BlockDetail, Receipt, Schemas} from '../../src/client/client.js'
import {aitbc, assertExit, json} from './aitbc.js'
import {Coordinator, until} from './coordinator.js'

describe('aitbc receipts and explorer', {concurrency: 4}, () => {
  let coord: Coordinator
  let receipts: Receipt[]
  before(async () => {
    coord = await Coordinator.start()
    receipts = [(await coord.completedJob('first', 'one', 'miner-a')).receipt, (await coord.completedJob('second', 'two', 'miner-b')).receipt]
    // Wait until a block has sealed every transaction so far (the test server seals every 0.2 s).
    await until('a block sealing the transactions', async () => {
      const [latest] = (await coord.server.request<Schemas['Transaction'][]>('/explorer/transactions?limit=1')).body
      return latest.block_height ?? undefined
    })
  })
  after(() => coord.close())

  it('receipts list shows a table newest first; --json the receipts; --provider filters', async () => {
    const plain = await aitbc(['receipts', 'list'], {env: coord.env()})
    assertExit(plain, 0)
    const lines = plain.stdout.trimEnd().split('\n')
    assert.match(lines[0], /RECEIPT +JOB +PROVIDER +CLIENT +UNITS +PRICE +MODEL +AGE/)
    assert.deepEqual(lines.slice(1).map((line) => line.trim().split(/\s+/)[0]), [receipts[1].receipt_id, receipts[0].receipt_id])

    const all = json<Receipt[]>(await aitbc(['receipts', 'list', '--json'], {env: coord.env()}))
    assert.deepEqual(all, [...receipts].reverse())
    const mine = json<Receipt[]>(await aitbc(['receipts', 'list', '--provider', 'miner-a', '--json'], {env: coord.env('admin')}))
    assert.deepEqual(mine.map((receipt) => receipt.receipt_id), [receipts[0].receipt_id])
    const limited = json<Receipt[]>(await aitbc(['receipts', 'list', '--limit', '1', '--json'], {env: coord.env()}))
    assert.deepEqual(limited, [receipts[1]])
  })

  it('receipts get shows one receipt; --json it exactly as signed; 3 unknown; 4 without a key', async () => {
    const [receipt] = receipts
    const plain = await aitbc(['receipts', 'get', receipt.receipt_id], {env: coord.env()})
    assertExit(plain, 0)
    assert.match(plain.stdout, new RegExp(`^receipt +${receipt.receipt_id}$`, 'm'))
    assert.match(plain.stdout, new RegExp(`^signed by +${coord.server.keyId}$`, 'm'))
    assert.deepEqual(json(await aitbc(['receipts', 'get', receipt.receipt_id, '--json'], {env: coord.env()})), receipt)
    assertExit(await aitbc(['receipts', 'get', 'rcpt_nope'], {env: coord.env()}), 3)
    assertExit(await aitbc(['receipts', 'get', receipt.receipt_id], {env: coord.env('none')}), 4)
  })

  it("receipts get --job gives that job's receipt; 3 while the job has none; a receipt id and --job together is 2", async () => {
    const [receipt] = receipts
    assert.deepEqual(json(await aitbc(['receipts', 'get', '--job', receipt.job_id, '--json'], {env: coord.env()})), receipt)
    // A coordinator of its own: a pending job here would change the counts the other tests check.
    const other = await Coordinator.start()
    try {
      const pending = await other.submit('no receipt yet')
      const none = await aitbc(['receipts', 'get', '--job', pending.job_id], {env: other.env()})
      assertExit(none, 3)
      assert.match(none.stderr, new RegExp(`Job ${pending.job_id} has no receipt: it is pending`))
    } finally {
      await other.close()
    }
    assertExit(await aitbc(['receipts', 'get', '--job', 'job_nope'], {env: coord.env()}), 3)
    assertExit(await aitbc(['receipts', 'get', receipt.receipt_id, '--job', receipt.job_id], {env: coord.env()}), 2)
    assertExit(await aitbc(['receipts', 'get'], {env: coord.env()}), 2)
  })

  it('explorer blocks lists blocks newest first without a key; --before pages back', async () => {
    const plain = await aitbc(['explorer', 'blocks'], {env: coord.env('none')})
    assertExit(plain, 0)
    assert.match(plain.stdout, /^ *HEIGHT +HASH +TXS +AGE +TIMESTAMP$/m)
    const blocks = json<Block[]>(await aitbc(['explorer', 'blocks', '--json'], {env: coord.env('none')}))
    assert.ok(blocks.length >= 1)
    assert.deepEqual(blocks.map((block) => block.height), [...blocks.map((block) => block.height)].sort((a, b) => b - a))
    const top = blocks[0].height
    const older = json<Block[]>(await aitbc(['explorer', 'blocks', '--before', String(top), '--limit', '1', '--json'], {env: coord.env('none')}))
    assert.deepEqual(older.map((block) => block.height), top > 0 ? [top - 1] : [])
  })

  it('explorer block HEIGHT shows the header and its transactions; --json the full block; 3 past the tip', async () => {
    const [latest] = json<Block[]>(await aitbc(['explorer', 'blocks', '--limit', '1', '--json'], {env: coord.env('none')}))
    const plain = await aitbc(['explorer', 'block', String(latest.height)], {env: coord.env('none')})
    assertExit(plain, 0)
    assert.match(plain.stdout, new RegExp(`^hash +${latest.hash}$`, 'm'))
    const detail = json<BlockDetail>(await aitbc(['explorer', 'block', String(latest.height), '--json'], {env: coord.env('none')}))
    assert.equal(detail.hash, latest.hash)
    assert.equal(detail.transaction_list.length, latest.transactions)
    if (detail.transaction_list.length > 0) assert.match(plain.stdout, /^ *SEQ +TYPE +BLOCK +AGE +HASH +JOB$/m)
    assertExit(await aitbc(['explorer', 'block', String(latest.height + 1000)], {env: coord.env('none')}), 3)
  })

  it('explorer transactions lists ledger transactions newest first', async () => {
    const transactions = json<Schemas['Transaction'][]>(await aitbc(['explorer', 'transactions', '--limit', '100', '--json'], {env: coord.env('none')}))
    const types = transactions.map((tx) => tx.type)
    assert.ok(types.includes('job_submitted') && types.includes('receipt_issued'), types.join(' '))
    assert.deepEqual(transactions.map((tx) => tx.seq), transactions.map((tx) => tx.seq).sort((a, b) => b - a))
    const plain = await aitbc(['explorer', 'transactions', '--limit', '3'], {env: coord.env('none')})
    assert.equal(plain.stdout.trimEnd().split('\n').length, 4)
  })

  it('explorer receipts lists every receipt without a key', async () => {
    const listed = json<Receipt[]>(await aitbc(['explorer', 'receipts', '--json'], {env: coord.env('none')}))
    assert.deepEqual(listed.map((receipt) => receipt.receipt_id).sort(), receipts.map((receipt) => receipt.receipt_id).sort())
    const plain = await aitbc(['explorer', 'receipts'], {env: coord.env('none')})
    assertExit(plain, 0)
    assert.ok(plain.stdout.includes(receipts[0].receipt_id))
  })

  it('explorer stats shows the counts; --json the stats object', async () => {
    const stats = json<Schemas['NetworkStats']>(await aitbc(['explorer', 'stats', '--json'], {env: coord.env('none')}))
    assert.equal(stats.total_jobs, 2)
    assert.equal(stats.total_receipts, 2)
    assert.equal(stats.active_miners, 2)
    const plain = await aitbc(['explorer', 'stats'], {env: coord.env('none')})
    assert.match(plain.stdout, /^jobs +2$/m)
    assert.match(plain.stdout, /^receipts +2$/m)
  })
})
