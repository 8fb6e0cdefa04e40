// Checks one receipt, given as JSON text: its form, its signature against the trusted keys (never the
// key the receipt names for itself), and optionally its prompt/result hashes against files the user
// holds. Signatures are checked on the thread pool, so a caller can keep many checks in flight.
import {Ed25519BatchVerifier} from '../protocol/ed25519-batch.js'
import {readReceipt} from '../protocol/receipt-forms.js'
import {parseSignature} from '../protocol/signature.js'
import type {ReceiptVerdict} from './verdict.js'

/** SHA-256 (hex) the receipt must record, by field: what `--prompt` and `--result` hash to. */
export type ExpectedHashes = Partial<Record<'prompt_sha256' | 'result_sha256', string>>

const SIGNATURE_SHAPE = 'the signature must be {alg, key_id, sig} with a 32-byte key id and a 64-byte sig, base64url without padding'

export class ReceiptChecker {
  private readonly hashes: [string, string][]

  constructor(
    private readonly trustedKeyIds: ReadonlySet<string>,
    expected: ExpectedHashes = {},
    private readonly verifier = new Ed25519BatchVerifier(),
  ) {
    this.hashes = Object.entries(expected).filter((entry): entry is [string, string] => entry[1] !== undefined)
  }

  async check(text: string): Promise<ReceiptVerdict> {
    const read = await readReceipt(text)
    if ('malformed' in read) return {receipt_id: idOf(read.receipt), ok: false, reason: 'malformed', detail: read.malformed}
    const {receipt, form, signedBytes} = read
    const receiptId = idOf(receipt)
    const signature = parseSignature(receipt.signature, this.trustedKeyIds)
    if (typeof signature === 'string') {
      const {alg, key_id: keyId} = (receipt.signature ?? {}) as {alg?: unknown; key_id?: unknown}
      const failure: ReceiptVerdict = {receipt_id: receiptId, form, ok: false, reason: signature}
      if (signature === 'malformed') return {...failure, detail: SIGNATURE_SHAPE}
      if (signature === 'unsupported_alg') return {...failure, detail: `signature algorithm ${JSON.stringify(alg)} is not supported; only Ed25519 is`}
      return {...failure, key_id: keyId as string, detail: `signed by ${keyId as string}, which is not a trusted key`}
    }
    const verdict: ReceiptVerdict = {receipt_id: receiptId, form, key_id: signature.keyId, ok: true}
    if (!(await this.verifier.verify(signature.sig, signedBytes, signature.keyId))) {
      return {...verdict, ok: false, reason: 'bad_signature', detail: 'the signature does not match the receipt'}
    }
    for (const [field, expected] of this.hashes) {
      const recorded = receipt[field]
      if (recorded === expected) continue
      const detail = typeof recorded === 'string' ? `${field} is ${recorded}, the file hashes to ${expected}` : `the receipt records no ${field}`
      return {...verdict, ok: false, reason: 'hash_mismatch', detail}
    }
    return verdict
  }
}

function idOf(receipt: Record<string, unknown> | undefined): string | undefined {
  const id = receipt?.receipt_id
  return typeof id === 'string' ? id : undefined
}
