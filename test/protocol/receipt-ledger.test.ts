import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {canonicalJson} from '../../src/protocol/canonical-json.js'
import {Ed25519Signer, generateSeed} from '../../src/protocol/ed25519.js'
import {checkBlock, GENESIS_PREV_HASH, merkleRoot, sealBlock, type Transaction, transactionHash} from '../../src/protocol/ledger.js'
import {RECEIPT_CANONICALIZATION, signReceipt, type UnsignedReceipt, verifyReceipt} from '../../src/protocol/receipt.js'

const signer = new Ed25519Signer(generateSeed())
const trusted = new Set([signer.keyId])

const unsigned: UnsignedReceipt = {
  receipt_id: 'rcpt_1', job_id: 'job_1', provider: 'miner-1', client: 'alice', units: 12, unit_type: 'tokens',
  price: 0.024, model: 'llama3.2', started_at: 1700000000, completed_at: 1700000003,
  prompt_sha256: 'a'.repeat(64), result_sha256: 'b'.repeat(64), canonicalization: RECEIPT_CANONICALIZATION,
}

describe('canonical JSON', () => {
  it('sorts keys and writes numbers as RFC 8785 says', () => {
    assert.equal(canonicalJson({b: 1, a: [1e21, 0.000001, 'é', null]}), '{"a":[1e+21,0.000001,"é",null],"b":1}')
  })
})

describe('receipts', () => {
  it('a signed receipt verifies against the pinned key', () => {
    assert.equal(verifyReceipt(signReceipt(unsigned, signer), trusted), undefined)
  })
  it('any changed field breaks the signature', () => {
    const receipt = signReceipt(unsigned, signer)
    assert.equal(verifyReceipt({...receipt, units: 13}, trusted), 'bad_signature')
    assert.equal(verifyReceipt({...receipt, extra: 1}, trusted), 'bad_signature')
  })
  it('a key that is not pinned is untrusted even when the signature is good', () => {
    const other = new Ed25519Signer(generateSeed())
    assert.equal(verifyReceipt(signReceipt(unsigned, other), trusted), 'untrusted_key')
  })
  it('reports an unsupported algorithm and malformed signatures', () => {
    const receipt = signReceipt(unsigned, signer)
    assert.equal(verifyReceipt({...receipt, signature: {...receipt.signature, alg: 'RSA'}}, trusted), 'unsupported_alg')
    assert.equal(verifyReceipt({...receipt, signature: {...receipt.signature, sig: 'abc='}}, trusted), 'malformed')
    assert.equal(verifyReceipt({...receipt, units: '12'}, trusted), 'malformed')
  })
})

describe('ledger', () => {
  const tx = (seq: number): Transaction => {
    const body = {seq, type: 'job_submitted' as const, timestamp: '2026-01-01T00:00:00.000Z', data: {job_id: `job_${seq}`}}
    return {...body, tx_hash: transactionHash(body)}
  }

  it('merkle root follows RFC 6962 (empty tree and a single leaf)', () => {
    assert.equal(merkleRoot([]), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    // A single leaf hashes as SHA-256(0x00 || leaf), so it never equals the leaf itself.
    assert.notEqual(merkleRoot(['00'.repeat(32)]), '00'.repeat(32))
    assert.notEqual(merkleRoot([tx(1).tx_hash, tx(2).tx_hash]), merkleRoot([tx(2).tx_hash, tx(1).tx_hash]))
  })

  it('blocks chain, recompute and verify; any change is caught', () => {
    const genesis = sealBlock(undefined, [], '2026-01-01T00:00:00.000Z', signer)
    assert.equal(genesis.prev_hash, GENESIS_PREV_HASH)
    const txs = [tx(1), tx(2), tx(3)]
    const block = sealBlock(genesis, txs, '2026-01-01T00:00:02.000Z', signer)
    assert.equal(checkBlock(genesis, [], undefined, trusted), undefined)
    assert.equal(checkBlock(block, txs, genesis, trusted), undefined)
    assert.equal(checkBlock(block, [txs[0], txs[1], {...txs[2], data: {job_id: 'x'}}], genesis, trusted), 'tx_hash_mismatch')
    assert.equal(checkBlock(block, [txs[0], txs[1]], genesis, trusted), 'count_mismatch')
    assert.equal(checkBlock({...block, timestamp: 'later'}, txs, genesis, trusted), 'hash_mismatch')
    assert.equal(checkBlock(block, txs, {height: 0, hash: 'f'.repeat(64)}, trusted), 'broken_link')
    assert.equal(checkBlock(block, txs, genesis, new Set()), 'untrusted_key')
  })
})
