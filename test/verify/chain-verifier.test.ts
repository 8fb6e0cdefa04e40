import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Ed25519Signer} from '../../src/protocol/ed25519.js'
import {sha256Hex} from '../../src/protocol/encoding.js'
import {sealBlock, type Transaction, transactionHash} from '../../src/protocol/ledger.js'
import {type Receipt, receiptSigningBytes} from '../../src/protocol/receipt.js'
import {type BlockWithTransactions, type ChainSource, ChainRangeError, verifyChain} from '../../src/verify/chain-verifier.js'
import {ReceiptChecker} from '../../src/verify/receipt-checker.js'
import {newSigner, signedReceipts} from './fixtures.js'

const coordinator = newSigner()
const trusted = new Set([coordinator.keyId])

function tx(seq: number, type: Transaction['type'], data: Record<string, unknown>): Transaction {
  const body = {seq, type, timestamp: `2026-01-01T00:00:${String(seq).padStart(2, '0')}.000Z`, data}
  return {...body, tx_hash: transactionHash(body)}
}

function receiptIssued(seq: number, receipt: Receipt): Transaction {
  return tx(seq, 'receipt_issued', {
    receipt_id: receipt.receipt_id, job_id: receipt.job_id, price: receipt.price,
    receipt_sha256: sha256Hex(receiptSigningBytes(receipt)), sig: receipt.signature.sig, receipt,
  })
}

/** A chain: genesis, then one block per list of transactions, sealed by `signer`. */
function chain(blocks: Transaction[][], signer: Ed25519Signer = coordinator): BlockWithTransactions[] {
  const out: BlockWithTransactions[] = []
  for (const txs of [[], ...blocks]) {
    const previous = out.at(-1)
    out.push({...sealBlock(previous, txs, `2026-01-01T00:01:${String(out.length).padStart(2, '0')}.000Z`, signer), transaction_list: txs})
  }
  return out
}

function source(blocks: BlockWithTransactions[]): ChainSource & {fetched: number[]} {
  const fetched: number[] = []
  return {
    fetched,
    headHeight: async () => blocks.at(-1)?.height,
    block: async (height) => {
      fetched.push(height)
      return structuredClone(blocks[height])
    },
  }
}

const receipts = signedReceipts(coordinator, 3)
const goodBlocks = () => [
  [tx(1, 'job_submitted', {job_id: 'job_1'}), tx(2, 'job_claimed', {job_id: 'job_1'})],
  [receiptIssued(3, receipts[0]), receiptIssued(4, receipts[1])],
  [tx(5, 'miner_registered', {miner_id: 'm'}), receiptIssued(6, receipts[2])],
]
const options = {trustedKeyIds: trusted, receiptChecker: new ReceiptChecker(trusted)}

describe('verifyChain', () => {
  it('a sound chain holds: every block and every recorded receipt', async () => {
    const heights: number[] = []
    const summary = await verifyChain(source(chain(goodBlocks())), {...options, onBlock: (v) => heights.push(v.height)})
    assert.deepEqual(summary, {ok: true, from: 0, to: 3, blocks: 4, transactions: 6, receipts: 3})
    assert.deepEqual(heights, [0, 1, 2, 3])
  })

  it('checks a range, anchored on the block before it', async () => {
    const blocks = source(chain(goodBlocks()))
    const summary = await verifyChain(blocks, {...options, from: 2, to: 3})
    assert.deepEqual({...summary, fetched: [...blocks.fetched].sort()}, {ok: true, from: 2, to: 3, blocks: 2, transactions: 4, receipts: 3, fetched: [1, 2, 3]})
    await assert.rejects(verifyChain(blocks, {...options, to: 9}), ChainRangeError)
  })

  it('names the first height that does not hold, and why', async () => {
    const cases: [string, (blocks: BlockWithTransactions[]) => void, number, string][] = [
      ['a changed transaction', (b) => (b[2].transaction_list[0].data.job_id = 'job_X'), 2, 'tx_hash_mismatch'],
      ['a changed block timestamp', (b) => (b[1].timestamp = '2027-01-01T00:00:00.000Z'), 1, 'hash_mismatch'],
      ['a dropped transaction', (b) => b[3].transaction_list.pop(), 3, 'count_mismatch'],
      ['a replaced block', (b) => (b[2] = chain([[tx(3, 'job_submitted', {job_id: 'j'})]])[1]), 2, 'broken_link'],
    ]
    for (const [what, tamper, height, reason] of cases) {
      const blocks = chain(goodBlocks())
      tamper(blocks)
      const summary = await verifyChain(source(blocks), options)
      assert.equal(summary.ok, false, what)
      assert.deepEqual([summary.first_failing_height, summary.reason], [height, reason], what)
    }
  })

  it('a block signed by an unpinned key fails as untrusted_key', async () => {
    const summary = await verifyChain(source(chain(goodBlocks(), newSigner())), options)
    assert.deepEqual([summary.first_failing_height, summary.reason], [0, 'untrusted_key'])
  })

  it('catches gaps in transaction numbers, even across blocks', async () => {
    const blocks = goodBlocks()
    blocks[2][0] = tx(6, 'miner_registered', {miner_id: 'm'})
    blocks[2][1] = receiptIssued(7, receipts[2])
    const summary = await verifyChain(source(chain(blocks)), options)
    assert.deepEqual([summary.first_failing_height, summary.reason], [3, 'seq_gap'])
  })

  it('verifies recorded receipts: a bad one, or one the transaction misdescribes, fails its block', async () => {
    const foreign = signedReceipts(newSigner(), 1)[0]
    const blocks = goodBlocks()
    blocks[1][1] = receiptIssued(4, foreign)
    let summary = await verifyChain(source(chain(blocks)), options)
    assert.deepEqual([summary.first_failing_height, summary.reason], [2, 'receipt_untrusted_key'])

    const misdescribed = goodBlocks()
    misdescribed[2][1] = tx(6, 'receipt_issued', {...receiptIssued(6, receipts[2]).data, price: 99})
    summary = await verifyChain(source(chain(misdescribed)), options)
    assert.deepEqual([summary.first_failing_height, summary.reason], [3, 'receipt_mismatch'])
  })
})
