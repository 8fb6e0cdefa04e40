// Builds and signs the receipt for a completed job with src/protocol/receipt.ts. Prices are units x the
// model's price per 1,000 tokens, rounded to 12 significant digits so float noise is not signed.
import type {Ed25519Signer} from '../../protocol/ed25519.js'
import {sha256Hex} from '../../protocol/encoding.js'
import {RECEIPT_CANONICALIZATION, signReceipt, UNIT_TYPE_TOKENS, type Receipt} from '../../protocol/receipt.js'
import {newId} from '../ids.js'
import type {JobRecord} from '../store/records.js'

export function newReceiptId(): string {
  return newId('rcpt')
}

export function priceFor(units: number, pricePer1000: number): number {
  return Number(((units * pricePer1000) / 1000).toPrecision(12))
}

export interface ReceiptInput {
  receiptId: string
  job: JobRecord
  minerId: string
  result: string
  units: number
  pricePer1000: number
  completedAt: Date
}

export function issueReceipt(input: ReceiptInput, signer: Ed25519Signer): Receipt {
  const {job} = input
  return signReceipt(
    {
      receipt_id: input.receiptId,
      job_id: job.job_id,
      provider: input.minerId,
      client: job.client,
      units: input.units,
      unit_type: UNIT_TYPE_TOKENS,
      price: priceFor(input.units, input.pricePer1000),
      model: job.model,
      started_at: unixSeconds(job.started_at ? new Date(job.started_at) : input.completedAt),
      completed_at: unixSeconds(input.completedAt),
      prompt_sha256: sha256Hex(job.prompt),
      result_sha256: sha256Hex(input.result),
      canonicalization: RECEIPT_CANONICALIZATION,
    },
    signer,
  )
}

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000)
}
