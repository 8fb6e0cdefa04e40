import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {Ed25519Signer, generateSeed, verifyEd25519} from '../../src/protocol/ed25519.js'
import {fromBase64Url} from '../../src/protocol/encoding.js'
import {type ReadReceipt, readReceipt, receiptForm} from '../../src/protocol/receipt-forms.js'
import {RECEIPT_CANONICALIZATION, signReceipt, type UnsignedReceipt} from '../../src/protocol/receipt.js'
import {REPO_ROOT} from '../helpers/cli.js'

// Receipts signed by CPython with the upstream canonical_json (fixtures/make-python-fixtures.py).
const python: {key_id: string; receipts: {text: string; signed: string}[]} = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'test/protocol/fixtures/python-receipts.json'), 'utf8'),
)

const unsigned: UnsignedReceipt = {
  receipt_id: 'rcpt_1', job_id: 'job_1', provider: 'miner-1', client: 'alice', units: 12, unit_type: 'tokens',
  price: 0.024, model: 'llama3.2', started_at: 1700000000, completed_at: 1700000003,
  prompt_sha256: 'a'.repeat(64), result_sha256: 'b'.repeat(64), canonicalization: RECEIPT_CANONICALIZATION,
}

async function read(text: string): Promise<ReadReceipt> {
  const result = await readReceipt(text)
  if ('malformed' in result) assert.fail(`malformed: ${result.malformed}`)
  return result
}

const verifies = (read: ReadReceipt) => {
  const {key_id: keyId, sig} = read.receipt.signature as {key_id: string; sig: string}
  return verifyEd25519(fromBase64Url(sig)!, read.signedBytes, fromBase64Url(keyId)!)
}

describe('receipt forms', () => {
  it('reads the signed bytes of a Python receipt exactly as CPython wrote them', async () => {
    for (const fixture of python.receipts) {
      const receipt = await read(fixture.text)
      assert.equal(receipt.form, 'python-1.0')
      assert.equal(Buffer.from(receipt.signedBytes).toString('utf8'), fixture.signed)
      assert.equal((receipt.receipt.signature as {key_id: string}).key_id, python.key_id)
      assert.ok(verifies(receipt))
    }
  })

  it('a Python receipt whose float is rewritten as an int no longer verifies', async () => {
    const text = python.receipts[0].text.replace('"units": 1.0', '"units": 1')
    assert.notEqual(text, python.receipts[0].text)
    assert.equal(verifies(await read(text)), false)
  })

  it("reads aitbc's own receipts in RFC 8785", async () => {
    const signed = signReceipt(unsigned, new Ed25519Signer(generateSeed()))
    const receipt = await read(JSON.stringify(signed))
    assert.equal(receipt.form, 'rfc8785')
    assert.ok(verifies(receipt))
  })

  it('takes the form from the receipt and rejects anything else as malformed', () => {
    assert.equal(receiptForm({canonicalization: 'rfc8785'}), 'rfc8785')
    assert.equal(receiptForm({version: '1.0'}), 'python-1.0')
    assert.match((receiptForm({canonicalization: 'jcs'}) as {malformed: string}).malformed, /unsupported canonicalization/)
    assert.match((receiptForm({version: '2.0'}) as {malformed: string}).malformed, /unsupported receipt version/)
    assert.match((receiptForm({version: '1.0', canonicalization: 'rfc8785'}) as {malformed: string}).malformed, /two forms/)
    assert.match((receiptForm({}) as {malformed: string}).malformed, /names no form/)
  })

  it('names what makes a receipt malformed', async () => {
    const text = JSON.stringify(signReceipt(unsigned, new Ed25519Signer(generateSeed())))
    const cases: [string, RegExp][] = [
      ['{', /not valid JSON/],
      ['[1]', /not a JSON object/],
      [text.replace('"units":12', '"units":"12"'), /field units must be a number/],
      [text.replace('"job_id":"job_1",', ''), /missing field job_id/],
      [text.replace('"units":12', '"units":1e400'), /no RFC 8785 form/],
      [python.receipts[0].text.replace('"started_at": 1695720000', '"started_at": 1.5'), /started_at must be an integer/],
    ]
    for (const [input, reason] of cases) {
      const result = await readReceipt(input)
      assert.ok('malformed' in result, input)
      assert.match(result.malformed, reason)
    }
  })
})
