// Receipts: what the coordinator signs when a job completes, and how anyone checks one.
import {canonicalBytes} from './canonical-json.js'
import type {Ed25519Signer} from './ed25519.js'
import {checkSignature, signBytes, type SignatureFailure, type SignatureObject} from './signature.js'

/** The value of `canonicalization` in aitbc's receipts: their signed bytes are RFC 8785 JSON. */
export const RECEIPT_CANONICALIZATION = 'rfc8785'
export const UNIT_TYPE_TOKENS = 'tokens'

export interface UnsignedReceipt {
  receipt_id: string
  job_id: string
  provider: string
  client: string
  units: number
  unit_type: string
  price: number
  model: string
  started_at: number
  completed_at: number
  prompt_sha256: string
  result_sha256: string
  canonicalization: typeof RECEIPT_CANONICALIZATION
}

export interface Receipt extends UnsignedReceipt {
  signature: SignatureObject
}

export type ReceiptFailure = SignatureFailure | 'hash_mismatch'

/** The bytes a receipt's signature covers: the RFC 8785 form of the receipt without `signature`. */
export function receiptSigningBytes(receipt: object): Uint8Array {
  const {signature: _signature, ...body} = receipt as {signature?: unknown}
  return canonicalBytes(body)
}

export function signReceipt(receipt: UnsignedReceipt, signer: Ed25519Signer): Receipt {
  return {...receipt, signature: signBytes(signer, receiptSigningBytes(receipt))}
}

/** The fields every aitbc receipt carries, with their JSON types. */
export const REQUIRED_FIELDS: Record<string, 'string' | 'number'> = {
  receipt_id: 'string',
  job_id: 'string',
  provider: 'string',
  client: 'string',
  units: 'number',
  unit_type: 'string',
  price: 'number',
  model: 'string',
  started_at: 'number',
  completed_at: 'number',
}

/** Shape check before any crypto: a receipt missing a field or with a wrong type is `malformed`. */
export function isWellFormedReceipt(value: unknown): value is Record<string, unknown> & {signature: unknown} {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const record = value as Record<string, unknown>
  return Object.entries(REQUIRED_FIELDS).every(([field, type]) => typeof record[field] === type)
}

/** Verifies an aitbc (RFC 8785) receipt against trusted key ids; undefined means valid. */
export function verifyReceipt(receipt: unknown, trustedKeyIds: ReadonlySet<string>): SignatureFailure | undefined {
  if (!isWellFormedReceipt(receipt) || receipt.canonicalization !== RECEIPT_CANONICALIZATION) return 'malformed'
  return checkSignature(receipt.signature, receiptSigningBytes(receipt), trustedKeyIds)
}
