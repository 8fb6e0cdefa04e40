// Checks one receipt, given as JSON text: its form, its signature (and an upstream receipt's
// attestations) against the trusted keys (never trusting a key because the receipt names it), and
// optionally its prompt/result hashes against files the user holds. Pinned keys are checked on the
// thread pool, so a caller can keep many checks in flight. The rule is docs/protocol.md, section 6:
// every signature on the receipt holds, and at least one is by a pinned key.
import {verifyEd25519} from '../protocol/ed25519.js'
import {Ed25519BatchVerifier} from '../protocol/ed25519-batch.js'
import {publicKeyProblem} from '../protocol/key-id.js'
import {readReceipt} from '../protocol/receipt-forms.js'
import {type ParsedSignature, parseSignatureObject} from '../protocol/signature.js'
import type {ReceiptVerdict} from './verdict.js'

/** SHA-256 (hex) the receipt must record, by field: what `--prompt` and `--result` hash to. */
export type ExpectedHashes = Partial<Record<'prompt_sha256' | 'result_sha256', string>>

const SIGNATURE_SHAPE = 'must be {alg, key_id, sig} with a 32-byte key id and a 64-byte sig, base64url without padding'

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
    const {receipt, form, signedBytes, signatures} = read
    const attested = signatures.length > 1 || 'attestations' in receipt
    const base: ReceiptVerdict = {receipt_id: idOf(receipt), form, ok: false}
    // 1. Every signature object well-formed and Ed25519, in order.
    const parsed: (ParsedSignature & {at: string})[] = []
    for (const {at, value} of signatures) {
      const one = parseSignatureObject(value)
      if (typeof one === 'string') {
        const where = attested ? {failed_signature: at} : {}
        const detail = one === 'malformed' ? `${at} ${SIGNATURE_SHAPE}` : `${at} uses algorithm ${JSON.stringify((value as {alg?: unknown}).alg)}; only Ed25519 is supported`
        return {...base, ...where, reason: one, detail}
      }
      parsed.push({keyId: one.keyId, publicKey: one.publicKey, sig: one.sig, at})
    }
    // Objects written out rather than spread, in the same key order: this runs for every receipt.
    const signer = parsed[0]
    const keys: ReceiptVerdict = {receipt_id: base.receipt_id, form, ok: false, key_id: signer.keyId}
    if (attested) {
      keys.attested_by = parsed.slice(1).map((one) => one.keyId)
      keys.trusted_by = [...new Set(parsed.map((one) => one.keyId).filter((keyId) => this.trustedKeyIds.has(keyId)))]
    }
    // 2. At least one of them pinned: the key ids only name keys, they never make one trusted.
    if (!parsed.some((one) => this.trustedKeyIds.has(one.keyId))) {
      const named = attested ? `signed by ${signer.keyId}, attested by ${keys.attested_by!.join(', ') || 'no one'}; none of them is` : `signed by ${signer.keyId}, which is not`
      return {...keys, reason: 'untrusted_key', detail: `${named} a trusted key`}
    }
    // 3. Every signature verifies over the signed bytes, pinned or not: a bad attestation fails the receipt.
    for (const one of parsed) {
      if (await this.verifies(one, signedBytes)) continue
      const what = attested ? `${one.at} (key ${one.keyId})` : 'the signature'
      return {...keys, ...(attested ? {failed_signature: one.at} : {}), reason: 'bad_signature', detail: `${what} does not match the receipt`}
    }
    const verdict = keys
    verdict.ok = true
    for (const [field, expected] of this.hashes) {
      const recorded = receipt[field]
      if (recorded === expected) continue
      const detail = typeof recorded === 'string' ? `${field} is ${recorded}, the file hashes to ${expected}` : `the receipt records no ${field}`
      return {...verdict, ok: false, reason: 'hash_mismatch', detail}
    }
    return verdict
  }

  /** Pinned keys go through the cached batch verifier; other keys (any a receipt names) are not cached. */
  private async verifies(signature: ParsedSignature, message: Uint8Array): Promise<boolean> {
    if (this.trustedKeyIds.has(signature.keyId)) return this.verifier.verify(signature.sig, message, signature.keyId)
    return publicKeyProblem(signature.publicKey) === undefined && verifyEd25519(signature.sig, message, signature.publicKey)
  }
}

function idOf(receipt: Record<string, unknown> | undefined): string | undefined {
  const id = receipt?.receipt_id
  return typeof id === 'string' ? id : undefined
}
