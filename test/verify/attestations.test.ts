import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {Ed25519Signer} from '../../src/protocol/ed25519.js'
import {readReceipt} from '../../src/protocol/receipt-forms.js'
import {signBytes} from '../../src/protocol/signature.js'
import {ReceiptChecker} from '../../src/verify/receipt-checker.js'
import {verdictLine} from '../../src/verify/verdict-output.js'
import {newSigner, pythonReceipts} from './fixtures.js'

// Upstream 1.0 receipts: `signature` is the miner's, each entry of `attestations` a coordinator's, all
// over the same signed bytes. Every one must verify under the key it names, and at least one of
// those keys must be pinned (docs/protocol.md, section 6, "The trust rule").
const signerKey = pythonReceipts.key_id
const attesterKey = pythonReceipts.attestation_key_id
const [first, second] = pythonReceipts.receipts.map((fixture) => fixture.text)

/** The receipt text with its attestations replaced (every number of the rest kept as written). */
function withAttestations(text: string, attestations: unknown): string {
  const cut = text.lastIndexOf('"attestations"')
  assert.ok(cut > 0)
  return `${text.slice(0, cut)}"attestations": ${JSON.stringify(attestations)}}`
}

const attestationsOf = (text: string) => (JSON.parse(text) as {attestations: {alg: string; key_id: string; sig: string}[]}).attestations

describe('upstream attestations', () => {
  it('a receipt attested by the pinned key verifies, and says who signed and who attested', async () => {
    const verdict = await new ReceiptChecker(new Set([attesterKey])).check(first)
    assert.equal(verdict.ok, true, verdict.detail)
    assert.equal(verdict.key_id, signerKey)
    assert.deepEqual(verdict.attested_by, [attesterKey])
    assert.deepEqual(verdict.trusted_by, [attesterKey])
    assert.match(verdictLine('r.json', verdict), new RegExp(`signed by ${signerKey}, attested by ${attesterKey} \\(pinned\\)`))
  })

  it('a forged attestation fails the receipt even when its signer is pinned, and names the attestation', async () => {
    const forged = withAttestations(first, attestationsOf(second)) // a real attestation, of another receipt
    const verdict = await new ReceiptChecker(new Set([signerKey])).check(forged)
    assert.equal(verdict.ok, false)
    assert.equal(verdict.reason, 'bad_signature')
    assert.equal(verdict.failed_signature, 'attestations[0]')
    assert.match(verdict.detail ?? '', /attestations\[0\] \(key .+\)/)
  })

  it('an attestation by an unpinned key that does not verify fails too; a good one is reported, not trusted', async () => {
    const stranger = newSigner()
    const [good] = attestationsOf(first)
    const bad = {...signBytes(stranger, new TextEncoder().encode('something else'))}
    const checker = new ReceiptChecker(new Set([signerKey]))
    const failed = await checker.check(withAttestations(first, [good, bad]))
    assert.equal(failed.reason, 'bad_signature')
    assert.equal(failed.failed_signature, 'attestations[1]')
    const read = await readReceipt(first)
    assert.ok(!('malformed' in read))
    const honest = signBytes(stranger, read.signedBytes)
    const verdict = await checker.check(withAttestations(first, [good, honest]))
    assert.equal(verdict.ok, true, verdict.detail)
    assert.deepEqual(verdict.attested_by, [attesterKey, stranger.keyId])
    assert.deepEqual(verdict.trusted_by, [signerKey])
  })

  it('when no signing or attesting key is pinned, the receipt is untrusted_key', async () => {
    const verdict = await new ReceiptChecker(new Set([newSigner().keyId])).check(first)
    assert.equal(verdict.reason, 'untrusted_key')
    assert.match(verdict.detail ?? '', new RegExp(`${signerKey}.*${attesterKey}`))
  })

  it('attestations that are not a list of signature objects, or use another algorithm, are refused', async () => {
    const checker = new ReceiptChecker(new Set([signerKey]))
    assert.equal((await checker.check(withAttestations(first, {alg: 'Ed25519'}))).reason, 'malformed')
    assert.equal((await checker.check(withAttestations(first, ['x']))).reason, 'malformed')
    const [good] = attestationsOf(first)
    const rsa = await checker.check(withAttestations(first, [{...good, alg: 'RS256'}]))
    assert.equal(rsa.reason, 'unsupported_alg')
    assert.equal(rsa.failed_signature, 'attestations[0]')
    // null and [] mean none, as upstream reads them.
    assert.equal((await checker.check(withAttestations(first, null))).ok, true)
    assert.equal((await checker.check(withAttestations(first, []))).ok, true)
  })

  it('an aitbc (rfc8785) receipt carries no attestations: one that does is malformed', async () => {
    const signer = new Ed25519Signer(new Uint8Array(32).fill(3))
    const body = {receipt_id: 'r', job_id: 'j', provider: 'p', client: 'c', units: 1, unit_type: 'tokens', price: 0.001, model: 'm',
      started_at: 1, completed_at: 2, canonicalization: 'rfc8785', attestations: []}
    const {canonicalBytes} = await import('../../src/protocol/canonical-json.js')
    const receipt = {...body, signature: signBytes(signer, canonicalBytes(body))}
    const verdict = await new ReceiptChecker(new Set([signer.keyId])).check(JSON.stringify(receipt))
    assert.equal(verdict.reason, 'malformed')
    assert.match(verdict.detail ?? '', /attestations/)
  })
})
