// What verification says about one receipt. The reasons are part of the interface (scripts match on
// them under --json), each distinct: the receipt is unreadable, its algorithm unknown, its key not
// pinned, its signature wrong, or its hashes not those of the prompt/result the user holds.
import type {ReceiptForm} from '../protocol/receipt-forms.js'

export const VERIFY_REASONS = ['malformed', 'unsupported_alg', 'untrusted_key', 'bad_signature', 'hash_mismatch'] as const
export type VerifyReason = (typeof VERIFY_REASONS)[number]

export interface ReceiptVerdict {
  receipt_id?: string
  form?: ReceiptForm
  /** The key of the receipt's `signature`. */
  key_id?: string
  /** Upstream receipts with attestations: the attesting keys, in order. */
  attested_by?: string[]
  /** Upstream receipts with attestations: which of the signing and attesting keys are pinned. */
  trusted_by?: string[]
  /** Which signature object failed, when the receipt has attestations: `signature` or `attestations[i]`. */
  failed_signature?: string
  ok: boolean
  reason?: VerifyReason
  /** For people: what exactly is wrong. */
  detail?: string
}

export interface VerifySummary {
  total: number
  ok: number
  failed: number
  reasons: Partial<Record<VerifyReason, number>>
}

export function emptySummary(): VerifySummary {
  return {total: 0, ok: 0, failed: 0, reasons: {}}
}

export function addToSummary(summary: VerifySummary, verdict: ReceiptVerdict): void {
  summary.total++
  if (verdict.ok) {
    summary.ok++
  } else {
    summary.failed++
    if (verdict.reason) summary.reasons[verdict.reason] = (summary.reasons[verdict.reason] ?? 0) + 1
  }
}
