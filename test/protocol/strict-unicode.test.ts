import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {canonicalJson} from '../../src/protocol/canonical-json.js'
import {transactionHash} from '../../src/protocol/ledger.js'
import {receiptSigningBytes} from '../../src/protocol/receipt.js'

// RFC 8785 section 3.2.2.2: a string holding a lone surrogate has no canonical form; the canonicaliser
// must refuse it rather than sign U+FFFD or an escape that a strict implementation would not produce.
describe('canonical JSON and lone surrogates', () => {
  const lone = ['\ud800', 'a\ud800b', '\udfff', 'x\udc00\ud800', `${'😀'.slice(0, 1)}-cut pair`]

  it('throws on a lone surrogate in a value, a key, or deep inside', () => {
    for (const text of lone) {
      assert.throws(() => canonicalJson(text), /lone surrogate/, JSON.stringify(text))
      assert.throws(() => canonicalJson({[text]: 1}), /lone surrogate/)
      assert.throws(() => canonicalJson({a: [1, {b: ['ok', text]}]}), /lone surrogate/)
    }
  })

  it('keeps well-formed text, pairs included, and says where the bad string is', () => {
    assert.equal(canonicalJson({b: '😀é\u2028', a: '\ufffd'}), '{"a":"\ufffd","b":"😀é\u2028"}')
    assert.throws(() => canonicalJson({data: {receipt: {model: 'm\ud800'}}}), /data\.receipt\.model/)
  })

  it('a receipt or a transaction with one has no signed bytes and no hash', () => {
    assert.throws(() => receiptSigningBytes({model: '\ud800-lone'}), /lone surrogate/)
    assert.throws(() => transactionHash({seq: 1, type: 'job_submitted', timestamp: 't', data: {model: '\ud800-lone'}}), /lone surrogate/)
  })
})

describe('a ledger that holds a lone surrogate (written before the API refused them)', () => {
  it('fails verification as tx_malformed instead of throwing', async () => {
    const {Ed25519Signer} = await import('../../src/protocol/ed25519.js')
    const {checkBlock, sealBlock} = await import('../../src/protocol/ledger.js')
    const signer = new Ed25519Signer(new Uint8Array(32).fill(1))
    const tx = {seq: 1, type: 'job_submitted' as const, timestamp: '2026-01-01T00:00:00.000Z', data: {model: 'ok'}, tx_hash: ''}
    tx.tx_hash = transactionHash(tx)
    const block = sealBlock(undefined, [tx], '2026-01-01T00:00:01.000Z', signer)
    assert.equal(checkBlock(block, [tx], undefined, new Set([signer.keyId])), undefined)
    assert.equal(checkBlock(block, [{...tx, data: {model: '\ud800-lone'}}], undefined, new Set([signer.keyId])), 'tx_malformed')
  })
})
