import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {parse, stringify} from 'lossless-json'

import {sha256Hex} from '../../src/protocol/encoding.js'
import {ReceiptChecker} from '../../src/verify/receipt-checker.js'
import {newSigner, PROMPT, pythonReceipts, RESULT, signedReceipts} from './fixtures.js'

const signer = newSigner()
const [receipt] = signedReceipts(signer, 1)
const checker = new ReceiptChecker(new Set([signer.keyId]))
const check = (value: unknown) => checker.check(JSON.stringify(value))

/** A different value of the same JSON type, so only the content changes, never the shape. */
function changed(value: unknown): unknown {
  if (typeof value === 'number') return value + 1
  if (typeof value === 'string') return value.length > 2 ? `${value.slice(0, 1)}${value[1] === 'A' ? 'B' : 'A'}${value.slice(2)}` : `${value}x`
  throw new Error(`no change for ${JSON.stringify(value)}`)
}

describe('ReceiptChecker', () => {
  it('accepts a valid receipt and says which form and key', async () => {
    assert.deepEqual(await check(receipt), {receipt_id: receipt.receipt_id, form: 'rfc8785', key_id: signer.keyId, ok: true})
  })

  it('changing any single field, the signature\u2019s own included, fails with the right reason', async () => {
    const expected: Record<string, string> = {canonicalization: 'malformed', 'signature.alg': 'unsupported_alg', 'signature.key_id': 'untrusted_key'}
    const fields = [...Object.keys(receipt).filter((field) => field !== 'signature'), 'signature.alg', 'signature.key_id', 'signature.sig']
    assert.equal(fields.length, Object.keys(receipt).length + 2)
    for (const field of fields) {
      const tampered = structuredClone(receipt) as unknown as Record<string, Record<string, unknown>>
      const [outer, inner] = field.split('.')
      if (inner) tampered[outer][inner] = changed(tampered[outer][inner])
      else (tampered as Record<string, unknown>)[outer] = changed(tampered[outer])
      const verdict = await check(tampered)
      assert.equal(verdict.ok, false, field)
      assert.equal(verdict.reason, expected[field] ?? 'bad_signature', `${field}: ${verdict.detail}`)
    }
  })

  it('a key id changed to another valid key is untrusted; a trusted other key gives bad_signature', async () => {
    const other = newSigner()
    const swapped = {...receipt, signature: {...receipt.signature, key_id: other.keyId}}
    assert.equal((await check(swapped)).reason, 'untrusted_key')
    assert.equal((await new ReceiptChecker(new Set([signer.keyId, other.keyId])).check(JSON.stringify(swapped))).reason, 'bad_signature')
  })

  it('a receipt signed by a key that is not pinned is untrusted_key, whatever key it names', async () => {
    const [foreign] = signedReceipts(newSigner(), 1)
    const verdict = await check(foreign)
    assert.equal(verdict.reason, 'untrusted_key')
    assert.equal(verdict.key_id, foreign.signature.key_id)
  })

  it('removing or adding a field, or breaking the signature object, is caught', async () => {
    const {model: _model, ...withoutModel} = receipt
    assert.equal((await check(withoutModel)).reason, 'malformed')
    assert.equal((await check({...receipt, extra: 1})).reason, 'bad_signature')
    const {prompt_sha256: _prompt, ...withoutPromptHash} = receipt
    assert.equal((await check(withoutPromptHash)).reason, 'bad_signature')
    assert.equal((await check({...receipt, signature: 'abc'})).reason, 'malformed')
    assert.equal((await check({...receipt, signature: {...receipt.signature, sig: `${receipt.signature.sig}A`}})).reason, 'malformed')
    assert.equal((await checker.check('{"receipt_id":')).reason, 'malformed')
  })

  it('checks prompt and result hashes against what the user holds', async () => {
    const matching = new ReceiptChecker(new Set([signer.keyId]), {prompt_sha256: sha256Hex(PROMPT), result_sha256: sha256Hex(RESULT)})
    assert.equal((await matching.check(JSON.stringify(receipt))).ok, true)
    const other = new ReceiptChecker(new Set([signer.keyId]), {result_sha256: sha256Hex(`${RESULT}\n`)})
    const verdict = await other.check(JSON.stringify(receipt))
    assert.equal(verdict.reason, 'hash_mismatch')
    assert.match(verdict.detail ?? '', /result_sha256/)
  })

  it('verifies receipts of the Python coordinator, and catches a changed one', async () => {
    const python = new ReceiptChecker(new Set([pythonReceipts.key_id]))
    for (const fixture of pythonReceipts.receipts) {
      const verdict = await python.check(fixture.text)
      assert.equal(verdict.ok, true, verdict.detail)
      assert.equal(verdict.form, 'python-1.0')
    }
    const tampered = pythonReceipts.receipts[0].text.replace('"unit_type": "gpu_seconds"', '"unit_type": "gpu_minutes"')
    assert.equal((await python.check(tampered)).reason, 'bad_signature')
    // Attestations are outside the signed bytes: dropping them changes nothing (numbers kept as written).
    const withoutAttestations = parse(pythonReceipts.receipts[0].text) as Record<string, unknown>
    delete withoutAttestations.attestations
    assert.equal((await python.check(stringify(withoutAttestations) as string)).ok, true)
    // The same receipt through JSON.parse/JSON.stringify loses "units": 1.0, and so its signature.
    assert.equal((await python.check(JSON.stringify(JSON.parse(pythonReceipts.receipts[0].text)))).reason, 'bad_signature')
  })
})
