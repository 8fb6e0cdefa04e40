import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {committedVector, protocolVectors, VECTOR_FILES} from '../../scripts/gen-protocol-vectors.js'
import {sha256Hex} from '../../src/protocol/encoding.js'
import {merkleRoot} from '../../src/protocol/ledger.js'
import {readReceipt} from '../../src/protocol/receipt-forms.js'
import {type BlockWithTransactions, verifyChain} from '../../src/verify/chain-verifier.js'
import {ReceiptChecker} from '../../src/verify/receipt-checker.js'
import {REPO_ROOT} from '../helpers/cli.js'

// The conformance vectors of docs/protocol.md (test/vectors/protocol/): regenerated and compared, so
// they cannot drift from the code, and each one checked with the project's own verifiers.
const load = <T>(name: string): T => JSON.parse(committedVector(name)) as T

interface ReceiptCase {
  name: string
  text: string
  expect: Record<string, unknown> & {ok: boolean}
  signed?: string
}

interface ChainVectors {
  trusted_key_ids: string[]
  blocks: BlockWithTransactions[]
  expected: {height: number; hash: string; merkle_root: string; tx_hashes: string[]}[]
  variants: {name: string; blocks: BlockWithTransactions[]; expect: {first_failing_height: number; reason: string}}[]
}

function memoryChain(blocks: BlockWithTransactions[]) {
  return {headHeight: async () => blocks.at(-1)?.height, block: async (height: number) => structuredClone(blocks[height])}
}

describe('protocol conformance vectors', () => {
  it('are exactly what scripts/gen-protocol-vectors.ts generates (npm run gen:vectors)', async () => {
    const generated = await protocolVectors()
    for (const name of VECTOR_FILES) assert.equal(committedVector(name), generated[name], `${name} drifted: run npm run gen:vectors`)
  })

  it('every receipt case verifies, or fails with its reason, under the project verifier', async () => {
    const {trusted_key_ids: trusted, cases} = load<{trusted_key_ids: string[]; cases: ReceiptCase[]}>('receipts.json')
    assert.ok(cases.filter((c) => c.expect.ok).length >= 5 && cases.filter((c) => !c.expect.ok).length >= 20)
    const checker = new ReceiptChecker(new Set(trusted))
    for (const vector of cases) {
      const verdict = await checker.check(vector.text)
      const {ok, reason, form, key_id: keyId, attested_by: attestedBy, trusted_by: trustedBy, failed_signature: failedSignature} = verdict
      const got = Object.fromEntries(Object.entries({ok, reason, form, key_id: keyId, attested_by: attestedBy, trusted_by: trustedBy, failed_signature: failedSignature}).filter(([key, value]) => value !== undefined && key in vector.expect))
      assert.deepEqual(got, vector.expect, `${vector.name}: ${verdict.detail ?? ''}`)
      if (vector.signed !== undefined) {
        const read = await readReceipt(vector.text)
        assert.ok(!('malformed' in read))
        assert.equal(Buffer.from(read.signedBytes).toString('utf8'), vector.signed, vector.name)
      }
    }
  })

  it('Merkle roots', () => {
    const {cases} = load<{cases: {leaves: string[]; levels: string[][]; root: string}[]}>('merkle.json')
    for (const {leaves, levels, root} of cases) {
      assert.equal(merkleRoot(leaves), root, `${leaves.length} leaves`)
      assert.equal(levels.at(-1)?.[0] ?? merkleRoot([]), root)
    }
  })

  it('the chain verifies with its expected hashes; each variant fails at its height with its reason', async () => {
    const chain = load<ChainVectors>('chain.json')
    const options = {trustedKeyIds: new Set(chain.trusted_key_ids), receiptChecker: new ReceiptChecker(new Set(chain.trusted_key_ids))}
    const summary = await verifyChain(memoryChain(chain.blocks), options)
    assert.equal(summary.ok, true, summary.detail)
    assert.deepEqual(summary, {ok: true, from: 0, to: 2, blocks: 3, transactions: 12, receipts: 1})
    assert.deepEqual(chain.expected.map((e) => [e.hash, e.merkle_root, e.tx_hashes]), chain.blocks.map((b) => [b.hash, b.merkle_root, b.transaction_list.map((t) => t.tx_hash)]))
    assert.ok(chain.variants.length >= 10)
    for (const variant of chain.variants) {
      const result = await verifyChain(memoryChain(variant.blocks), options)
      assert.deepEqual({height: result.first_failing_height, reason: result.reason}, {height: variant.expect.first_failing_height, reason: variant.expect.reason}, `${variant.name}: ${result.detail}`)
    }
  })
})

describe('docs/protocol.md', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/protocol.md'), 'utf8')
  const vectors = VECTOR_FILES.map((name) => committedVector(name)).join('\n')
  const {cases} = load<{cases: ReceiptCase[]}>('receipts.json')

  it('states only hashes that the vectors hold (its worked examples cannot drift)', () => {
    const hashes = doc.match(/\b[0-9a-f]{64}\b/g) ?? []
    assert.ok(hashes.length >= 10)
    for (const hash of hashes) assert.ok(vectors.includes(hash), `${hash} is in docs/protocol.md but in no vector`)
    const vectorHashes = vectors.match(/\b[0-9a-f]{64}\b/g) ?? []
    for (const [, head, tail] of doc.matchAll(/\b([0-9a-f]{8})…([0-9a-f]{4})\b/g)) {
      assert.ok(vectorHashes.some((hash) => hash.startsWith(head) && hash.endsWith(tail)), `${head}…${tail}`)
    }
  })

  it('spells signed bytes in hex as the vectors have them', () => {
    const spelled = [...doc.matchAll(/`((?:[0-9a-f]{2,} ){3,}[0-9a-f]{2,})`/g)].map(([, hex]) => hex.replaceAll(' ', ''))
    assert.ok(spelled.length >= 1)
    const signedHex = cases.flatMap((c) => (c.signed === undefined ? [] : [Buffer.from(c.signed).toString('hex')]))
    for (const hex of spelled) assert.ok(signedHex.some((bytes) => bytes.includes(hex)), `no signed bytes hold ${hex}`)
  })

  it('shows receipts, signed bytes and hash inputs exactly as the vectors have them', () => {
    const lines = doc.split('\n').filter((line) => line.startsWith('{"') && !line.includes('…'))
    assert.ok(lines.length >= 6)
    const known = new Set(cases.flatMap((c) => [c.text, c.signed]))
    for (const line of lines) assert.ok(known.has(line) || vectors.includes(sha256Hex(line)), `not in the vectors: ${line.slice(0, 80)}`)
  })
})
