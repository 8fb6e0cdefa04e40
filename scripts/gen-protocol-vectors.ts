// Generates the conformance vectors of docs/protocol.md into test/vectors/protocol/: receipts of both
// forms that must verify, one-change variants that must fail with their reason, Merkle trees, and a
// small chain with its hashes and broken variants. Deterministic: fixed seed keys, fixed times and ids,
// and Ed25519 signatures are deterministic. test/protocol/vectors.test.ts regenerates them and
// compares, so they cannot drift from the code. Run: npm run gen:vectors
import {readFileSync, writeFileSync} from 'node:fs'
import {pathToFileURL} from 'node:url'

import canonicalizeModule from 'canonicalize'

import {canonicalBytes} from '../src/protocol/canonical-json.js'
import {Ed25519Signer} from '../src/protocol/ed25519.js'
import {sha256, sha256Hex, toHex} from '../src/protocol/encoding.js'
import {type Block, blockHash, GENESIS_PREV_HASH, merkleRoot, sealBlock, type Transaction, transactionHash, type TransactionType} from '../src/protocol/ledger.js'
import {readReceipt} from '../src/protocol/receipt-forms.js'
import {RECEIPT_CANONICALIZATION, type Receipt, signReceipt, type UnsignedReceipt} from '../src/protocol/receipt.js'
import {signBytes, type SignatureObject} from '../src/protocol/signature.js'
import {packageFile} from '../src/server/package-root.js'
import {priceFor} from '../src/server/receipts/receipt-issuer.js'

// From the package root, not this file: the suite runs a compiled copy of it (scripts/build-tests.mjs).
export const VECTORS_DIR = pathToFileURL(packageFile('test/vectors/protocol') + '/')
export const VECTOR_FILES = ['keys.json', 'receipts.json', 'merkle.json', 'chain.json'] as const

/** A key from a seed everyone can recompute: SHA-256 of its name. Test keys, never for real use. */
function seededSigner(name: string): {name: string; seed: Uint8Array; signer: Ed25519Signer} {
  const seed = sha256(`aitbc protocol vectors: ${name}`)
  return {name, seed, signer: new Ed25519Signer(seed)}
}

const coordinator = seededSigner('coordinator')
const miner = seededSigner('miner')
const stranger = seededSigner('stranger')
const TRUSTED = [coordinator.signer.keyId]

const PROMPT = 'Say hello in French.'
const RESULT = 'Bonjour !'
const STARTED = Date.UTC(2026, 0, 1, 0, 0, 1) / 1000
const COMPLETED = STARTED + 3

export interface ReceiptCase {
  name: string
  description: string
  /** The receipt exactly as a verifier receives it (numbers as written matter in the 1.0 form). */
  text: string
  expect: {ok: true; form: string; key_id: string; attested_by?: string[]; trusted_by?: string[]} | {ok: false; reason: string; failed_signature?: string}
  /** For receipts that verify: the exact bytes (UTF-8) their signatures cover, and their SHA-256. */
  signed?: string
  signed_sha256?: string
}

function keysFile(): unknown {
  const describe = ({name, seed, signer}: ReturnType<typeof seededSigner>) => ({
    name,
    seed_hex: toHex(seed),
    public_key_hex: toHex(signer.publicKey),
    key_id: signer.keyId,
  })
  return {
    note: 'Test keys: each seed is SHA-256 of "aitbc protocol vectors: NAME" (UTF-8). Only the coordinator key is pinned.',
    trusted_key_ids: TRUSTED,
    keys: [coordinator, miner, stranger].map(describe),
  }
}

// ---------------------------------------------------------------- receipts, aitbc form (rfc8785)

function aitbcReceipt(overrides: Partial<UnsignedReceipt> = {}): UnsignedReceipt {
  return {
    receipt_id: 'rcpt_01JGXPV0000000000000000001',
    job_id: 'job_01JGXPV0000000000000000001',
    provider: 'miner-1',
    client: 'alice',
    units: 42,
    unit_type: 'tokens',
    price: priceFor(42, 0.002),
    model: 'llama3.2',
    started_at: STARTED,
    completed_at: COMPLETED,
    prompt_sha256: sha256Hex(PROMPT),
    result_sha256: sha256Hex(RESULT),
    canonicalization: RECEIPT_CANONICALIZATION,
    ...overrides,
  }
}

const text = (value: unknown) => JSON.stringify(value)
const signedText = (receipt: object) => {
  const {signature: _signature, ...body} = receipt as {signature?: unknown}
  return Buffer.from(canonicalBytes(body)).toString('utf8')
}

function okCase(name: string, description: string, receiptText: string, receipt: Receipt): ReceiptCase {
  const signed = signedText(receipt)
  return {name, description, text: receiptText, expect: {ok: true, form: 'rfc8785', key_id: receipt.signature.key_id}, signed, signed_sha256: sha256Hex(signed)}
}

const fail = (name: string, description: string, receiptText: string, reason: string, failedSignature?: string): ReceiptCase => ({
  name,
  description,
  text: receiptText,
  expect: {ok: false, reason, ...(failedSignature ? {failed_signature: failedSignature} : {})},
})

/** The S half of a signature plus the group order L: the same signature in a non-canonical encoding. */
function nonCanonicalS(sig: string): string {
  const bytes = Buffer.from(sig, 'base64url')
  const order = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex')
  let carry = 0
  for (let i = 0; i < 32; i++) {
    const sum = bytes[32 + i] + order[i] + carry
    bytes[32 + i] = sum & 0xff
    carry = sum >> 8
  }
  return bytes.toString('base64url')
}

function aitbcCases(): ReceiptCase[] {
  const base = signReceipt(aitbcReceipt(), coordinator.signer)
  const unicode = signReceipt(
    aitbcReceipt({
      receipt_id: 'rcpt_01JGXPV0000000000000000002',
      job_id: 'job_01JGXPV0000000000000000002',
      client: 'bob',
      units: 3,
      price: 1.5e-7,
      model: 'mistral\u0007\u00e9t\u00e9\u{1F600}\u2028"\\/',
    }),
    coordinator.signer,
  )
  const reordered = Object.fromEntries(Object.entries(base).reverse())
  const reorderedText = JSON.stringify(reordered, null, 2).replace('"units": 42', '"units": 4.20e1')
  const withBase = (change: Record<string, unknown>) => text({...base, ...change})
  const without = (field: string) => text(Object.fromEntries(Object.entries(base).filter(([key]) => key !== field)))
  const strangers = signReceipt(aitbcReceipt(), stranger.signer)
  // A lone surrogate signed over the escape the `canonicalize` package writes: a strict verifier refuses it.
  const lone = {...aitbcReceipt({model: '\ud800-lone'})}
  const escapeForm = (canonicalizeModule as unknown as (value: unknown) => string)(lone)
  const loneSigned = {...lone, signature: signBytes(coordinator.signer, new TextEncoder().encode(escapeForm))}
  const baseText = text(base)
  return [
    okCase('rfc8785-basic', 'An aitbc receipt as the coordinator issues it.', baseText, base),
    okCase('rfc8785-unicode', 'Control characters escaped, other text as raw UTF-8, a price written 1.5e-7.', text(unicode), unicode),
    okCase('rfc8785-reordered-pretty', 'rfc8785-basic pretty-printed, members reversed, units written 4.20e1: the same value, so it verifies.', reorderedText, base),
    fail('rfc8785-price-changed', 'rfc8785-basic with price 0.000085.', withBase({price: 0.000085}), 'bad_signature'),
    fail('rfc8785-completed-at-changed', 'rfc8785-basic one second later.', withBase({completed_at: COMPLETED + 1}), 'bad_signature'),
    fail('rfc8785-field-added', 'rfc8785-basic with a member added.', withBase({note: 'x'}), 'bad_signature'),
    fail('rfc8785-prompt-hash-removed', 'rfc8785-basic without prompt_sha256 (an optional member, but signed).', without('prompt_sha256'), 'bad_signature'),
    fail('rfc8785-model-removed', 'rfc8785-basic without model, a required member.', without('model'), 'malformed'),
    fail('rfc8785-started-at-string', 'rfc8785-basic with started_at as a string.', withBase({started_at: String(STARTED)}), 'malformed'),
    fail('rfc8785-canonicalization-unknown', 'canonicalization "jcs".', withBase({canonicalization: 'jcs'}), 'malformed'),
    fail('rfc8785-two-forms', 'Both canonicalization and version.', withBase({version: '1.0'}), 'malformed'),
    fail('rfc8785-attestations', 'An rfc8785 receipt carrying attestations.', withBase({attestations: []}), 'malformed'),
    fail('rfc8785-lone-surrogate', 'A model with a lone surrogate, signed over the escape \\ud800: no RFC 8785 form exists.', text(loneSigned), 'malformed'),
    fail('rfc8785-number-out-of-range', 'price 1e400: no IEEE 754 double, so no RFC 8785 form.', baseText.replace(/"price":[^,]+/, '"price":1e400'), 'malformed'),
    fail('rfc8785-not-an-object', 'A JSON array.', `[${baseText}]`, 'malformed'),
    fail('rfc8785-alg-lowercase', 'signature.alg "ed25519".', withBase({signature: {...base.signature, alg: 'ed25519'}}), 'unsupported_alg'),
    fail('rfc8785-sig-padded', 'signature.sig with "==" padding.', withBase({signature: {...base.signature, sig: `${base.signature.sig}==`}}), 'malformed'),
    fail('rfc8785-key-id-hex', 'signature.key_id as 64 hex digits.', withBase({signature: {...base.signature, key_id: toHex(coordinator.signer.publicKey)}}), 'malformed'),
    fail('rfc8785-sig-non-canonical-s', 'The same signature with S + L (RFC 8032 requires S < L).', withBase({signature: {...base.signature, sig: nonCanonicalS(base.signature.sig)}}), 'bad_signature'),
    fail('rfc8785-key-not-pinned', 'A correct signature by a key that is not pinned.', text(strangers), 'untrusted_key'),
  ]
}

// ---------------------------------------------------------------- receipts, upstream form (version 1.0)

/** Members as JSON texts, in order, written as Python's json.dumps does by default (", " and ": "). */
type Members = [string, string][]
const pythonText = (members: Members) => `{${members.map(([key, value]) => `${JSON.stringify(key)}: ${value}`).join(', ')}}`

const PYTHON_BODY: Members = [
  ['version', '"1.0"'],
  ['receipt_id', '"rcpt-py-1"'],
  ['job_id', '"job-py-1"'],
  ['provider', '"miner-1"'],
  ['client', '"alice"'],
  ['units', '1.0'],
  ['unit_type', '"gpu_seconds"'],
  ['price', '0.02'],
  ['model', '"llama3.2"'],
  ['prompt_hash', 'null'],
  ['nonce', '"n\\u00e9e \\ud83d\\ude00"'],
  ['started_at', String(STARTED)],
  ['completed_at', String(COMPLETED)],
]

async function pythonSignedBytes(members: Members): Promise<Uint8Array> {
  const read = await readReceipt(pythonText(members))
  if ('malformed' in read) throw new Error(`vector body is malformed: ${read.malformed}`)
  return read.signedBytes
}

function withSignatures(members: Members, signature: SignatureObject, attestations?: unknown): string {
  const all: Members = [...members, ['signature', JSON.stringify(signature)]]
  if (attestations !== undefined) all.push(['attestations', JSON.stringify(attestations)])
  return pythonText(all)
}

async function pythonCases(): Promise<ReceiptCase[]> {
  const bytes = await pythonSignedBytes(PYTHON_BODY)
  const signed = Buffer.from(bytes).toString('utf8')
  const bySigner = (who: ReturnType<typeof seededSigner>) => signBytes(who.signer, bytes)
  const ok = (name: string, description: string, receiptText: string, signer: string, attesters?: string[], trustedBy?: string[]): ReceiptCase => ({
    name,
    description,
    text: receiptText,
    expect: {ok: true, form: 'python-1.0', key_id: signer, ...(attesters ? {attested_by: attesters, trusted_by: trustedBy} : {})},
    signed,
    signed_sha256: sha256Hex(bytes),
  })
  const otherBytes = await pythonSignedBytes(PYTHON_BODY.map(([key, value]) => [key, key === 'receipt_id' ? '"rcpt-py-2"' : value]))
  const attested = withSignatures(PYTHON_BODY, bySigner(miner), [bySigner(coordinator)])
  const withoutVersion = PYTHON_BODY.filter(([key]) => key !== 'version')
  const coordinatorKey = coordinator.signer.keyId
  return [
    ok('python-signed-by-coordinator', 'An upstream 1.0 receipt signed by the pinned key, without attestations.', withSignatures(PYTHON_BODY, bySigner(coordinator)), coordinatorKey),
    ok('python-attested', 'Signed by the miner (not pinned), attested by the coordinator (pinned): verified.', attested, miner.signer.keyId, [coordinatorKey], [coordinatorKey]),
    ok('python-null-added', 'python-signed-by-coordinator with a member "extra": null added: nulls are not signed.',
      withSignatures([...PYTHON_BODY, ['extra', 'null']], bySigner(coordinator)), coordinatorKey),
    fail('python-units-int', 'python-attested with "units": 1 instead of 1.0: an int, not a float, in the 1.0 form.', attested.replace('"units": 1.0', '"units": 1'), 'bad_signature', 'signature'),
    fail('python-forged-attestation', 'Signed by the pinned key; its attestation is by another key over other bytes.',
      withSignatures(PYTHON_BODY, bySigner(coordinator), [signBytes(stranger.signer, otherBytes)]), 'bad_signature', 'attestations[0]'),
    fail('python-pinned-attestation-wrong', 'Signed by the miner; the pinned attestation is the one of another receipt.',
      withSignatures(PYTHON_BODY, bySigner(miner), [signBytes(coordinator.signer, otherBytes)]), 'bad_signature', 'attestations[0]'),
    fail('python-none-pinned', 'Signed by the miner and attested by a stranger, both correct; neither key is pinned.',
      withSignatures(PYTHON_BODY, bySigner(miner), [bySigner(stranger)]), 'untrusted_key'),
    fail('python-attestations-not-a-list', 'attestations is an object.', withSignatures(PYTHON_BODY, bySigner(coordinator), bySigner(coordinator)), 'malformed'),
    fail('python-attestation-alg', 'An attestation with alg "RS256".', withSignatures(PYTHON_BODY, bySigner(miner), [{...bySigner(coordinator), alg: 'RS256'}]), 'unsupported_alg', 'attestations[0]'),
    fail('python-no-form', 'The 1.0 body without version: it names no form.', withSignatures(withoutVersion, bySigner(coordinator)), 'malformed'),
  ]
}

// ---------------------------------------------------------------- Merkle trees

/** Every level of the tree, bottom up, for people debugging their own: leaf hashes first, root last. */
function merkleLevels(leaves: string[]): string[][] {
  if (leaves.length === 0) return []
  const hash = (...parts: Uint8Array[]) => sha256(Buffer.concat(parts))
  let level = leaves.map((leaf) => hash(Uint8Array.of(0), Buffer.from(leaf, 'hex')))
  const levels = [level.map(toHex)]
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? hash(Uint8Array.of(1), level[i], level[i + 1]) : level[i])
    levels.push((level = next).map(toHex))
  }
  return levels
}

function merkleFile(): unknown {
  const cases = Array.from({length: 8}, (_, n) => {
    const leaves = Array.from({length: n}, (_, i) => sha256Hex(`leaf ${i}`))
    return {leaves, levels: merkleLevels(leaves), root: merkleRoot(leaves)}
  })
  return {note: 'Each leaf is a transaction hash (hex); the leaves here are SHA-256 of "leaf i" (UTF-8). levels: bottom up.', cases}
}

// ---------------------------------------------------------------- the chain

interface ChainBlock extends Block {
  transaction_list: Transaction[]
}

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)).toISOString()

function tx(seq: number, type: TransactionType, seconds: number, data: Record<string, unknown>): Transaction {
  const body = {seq, type, timestamp: at(seconds), data}
  return {...body, tx_hash: transactionHash(body)}
}

/** The transactions of blocks 1 and 2, shaped as the coordinator records them. */
function chainTransactions(receipt: Receipt): Transaction[][] {
  const job1 = receipt.job_id
  const job2 = 'job_01JGXPV0000000000000000003'
  const job3 = 'job_01JGXPV0000000000000000004'
  const submitted = (seq: number, seconds: number, jobId: string, prompt: string) =>
    tx(seq, 'job_submitted', seconds, {job_id: jobId, client: 'alice', model: 'llama3.2', prompt_sha256: sha256Hex(prompt), max_tokens: 256})
  const claimed = (seq: number, seconds: number, jobId: string, attempt: number) =>
    tx(seq, 'job_claimed', seconds, {job_id: jobId, miner_id: 'miner-1', attempt, lease_expires_at: at(seconds + 300)})
  return [
    [
      tx(1, 'miner_registered', 0, {miner_id: 'miner-1', principal: 'miner', capabilities: ['llama3.2']}),
      submitted(2, 1, job1, PROMPT),
      claimed(3, 1, job1, 1),
      tx(4, 'job_completed', 4, {job_id: job1, miner_id: 'miner-1', receipt_id: receipt.receipt_id, result_sha256: receipt.result_sha256}),
      tx(5, 'receipt_issued', 4, {receipt_id: receipt.receipt_id, job_id: job1, receipt}),
    ],
    [
      submitted(6, 6, job2, 'A second prompt.'),
      tx(7, 'job_cancelled', 6, {job_id: job2, by: 'alice', previous_status: 'pending'}),
      submitted(8, 7, job3, 'A third prompt.'),
      claimed(9, 7, job3, 1),
      tx(10, 'job_requeued', 8, {job_id: job3, miner_id: 'miner-1', attempts: 1, reason: 'miner_reported'}),
      claimed(11, 8, job3, 2),
      tx(12, 'job_failed', 9, {job_id: job3, miner_id: 'miner-1', attempts: 2, reason: 'lease_expired'}),
    ],
  ]
}

function buildChain(txLists: Transaction[][], signer = coordinator.signer): ChainBlock[] {
  const blocks: ChainBlock[] = []
  for (const [i, txs] of [[], ...txLists].entries()) {
    const previous = blocks.at(-1)
    blocks.push({...sealBlock(previous, txs, at(i * 5), signer), transaction_list: txs})
  }
  return blocks
}

/** Recomputes the Merkle root, hash, link and signature of every block from `height` on. */
function reseal(blocks: ChainBlock[], height: number, signer = coordinator.signer): ChainBlock[] {
  const out = structuredClone(blocks)
  for (let h = height; h < out.length; h++) {
    const block = out[h]
    if (h > 0) block.prev_hash = out[h - 1].hash
    block.merkle_root = merkleRoot(block.transaction_list.map((t) => t.tx_hash))
    block.transactions = block.transaction_list.length
    block.hash = blockHash(block)
    block.signature = signBytes(signer, Buffer.from(block.hash, 'hex'))
  }
  return out
}

function rehashed(t: Transaction): Transaction {
  return {...t, tx_hash: transactionHash(t)}
}

function chainFile(receipt: Receipt): unknown {
  const blocks = buildChain(chainTransactions(receipt))
  const variant = (name: string, description: string, change: (copy: ChainBlock[]) => ChainBlock[], height: number, reason: string) => {
    return {name, description, blocks: change(structuredClone(blocks)), expect: {ok: false, first_failing_height: height, reason}}
  }
  const variants = [
    variant('tx-data-changed', 'Block 1, seq 2: model changed, tx_hash left.', (c) => ((c[1].transaction_list[1].data.model = 'llama3.3'), c), 1, 'tx_hash_mismatch'),
    variant('tx-rehashed', 'Block 1, seq 2: model changed and tx_hash recomputed.', (c) => {
      c[1].transaction_list[1] = rehashed({...c[1].transaction_list[1], data: {...c[1].transaction_list[1].data, model: 'llama3.3'}})
      return c
    }, 1, 'merkle_mismatch'),
    variant('tx-dropped', 'Block 2 without its last transaction.', (c) => (c[2].transaction_list.pop(), c), 2, 'count_mismatch'),
    variant('block-timestamp-changed', 'Block 1 timestamp changed, hash left.', (c) => ((c[1].timestamp = at(6)), c), 1, 'hash_mismatch'),
    variant('genesis-prev-hash', 'Genesis prev_hash of 64 "f", everything after resealed and re-signed by the pinned key.', (c) => {
      c[0].prev_hash = 'f'.repeat(64)
      return reseal(c, 0)
    }, 0, 'broken_link'),
    variant('prev-hash-broken', 'Block 2 linked to the genesis, resealed and re-signed by the pinned key.', (c) => {
      c[2].prev_hash = c[0].hash
      c[2].hash = blockHash(c[2])
      c[2].signature = signBytes(coordinator.signer, Buffer.from(c[2].hash, 'hex'))
      return c
    }, 2, 'broken_link'),
    variant('block-signed-by-stranger', 'Block 1 re-signed by a key that is not pinned.', (c) => {
      c[1].signature = signBytes(stranger.signer, Buffer.from(c[1].hash, 'hex'))
      return c
    }, 1, 'untrusted_key'),
    variant('block-signature-swapped', 'Block 2 carries the signature of block 1.', (c) => ((c[2].signature = c[1].signature), c), 2, 'bad_signature'),
    variant('block-signed-over-hex', 'Block 1 signed over the 64 hex characters of its hash instead of the 32 bytes.', (c) => {
      c[1].signature = signBytes(coordinator.signer, new TextEncoder().encode(c[1].hash))
      return c
    }, 1, 'bad_signature'),
    variant('seq-from-2', 'Transactions numbered from 2, every block resealed by the pinned key.', (c) => {
      for (const block of c) block.transaction_list = block.transaction_list.map((t) => rehashed({...t, seq: t.seq + 1}))
      return reseal(c, 1)
    }, 1, 'seq_gap'),
    variant('recorded-receipt-changed', 'The receipt in seq 5 with another price, everything resealed by the pinned key.', (c) => {
      const t = c[1].transaction_list[4]
      c[1].transaction_list[4] = rehashed({...t, data: {...t.data, receipt: {...(t.data.receipt as Receipt), price: 1}}})
      return reseal(c, 1)
    }, 1, 'receipt_bad_signature'),
    variant('recorded-receipt-id-differs', 'seq 5 names another receipt_id than the receipt it holds, resealed by the pinned key.', (c) => {
      const t = c[1].transaction_list[4]
      c[1].transaction_list[4] = rehashed({...t, data: {...t.data, receipt_id: 'rcpt_other'}})
      return reseal(c, 1)
    }, 1, 'receipt_mismatch'),
  ]
  return {
    note: 'Blocks as GET /explorer/blocks/{height} serves them. Only the coordinator key is pinned.',
    trusted_key_ids: TRUSTED,
    genesis_prev_hash: GENESIS_PREV_HASH,
    blocks,
    expected: blocks.map((block) => ({height: block.height, hash: block.hash, merkle_root: block.merkle_root, tx_hashes: block.transaction_list.map((t) => t.tx_hash)})),
    variants,
  }
}

/** Every vector file's content, as it must be committed. */
export async function protocolVectors(): Promise<Record<(typeof VECTOR_FILES)[number], string>> {
  const receipts = [...aitbcCases(), ...(await pythonCases())]
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`
  return {
    'keys.json': json(keysFile()),
    'receipts.json': json({note: 'Verify each text against trusted_key_ids; expect says the outcome.', trusted_key_ids: TRUSTED, cases: receipts}),
    'merkle.json': json(merkleFile()),
    'chain.json': json(chainFile(signReceipt(aitbcReceipt(), coordinator.signer))),
  }
}

export function committedVector(name: string): string {
  return readFileSync(new URL(name, VECTORS_DIR), 'utf8')
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [name, content] of Object.entries(await protocolVectors())) writeFileSync(new URL(name, VECTORS_DIR), content)
}
