// Which bytes a receipt's signature covers. Two forms exist, and each receipt names its own:
// - aitbc's receipts carry `canonicalization: "rfc8785"`: RFC 8785 of the receipt without `signature`;
// - the upstream Python coordinator's carry `version: "1.0"`: its own canonical JSON
//   (python-canonical-json.ts) of the receipt without `signature` and `attestations`.
// The verifier reads the form from the receipt and never tries one form after another: a receipt
// that names no known form, or both, is malformed. The normative description is docs/protocol.md.
import {pythonCanonicalJson} from './python-canonical-json.js'
import {RECEIPT_CANONICALIZATION, receiptSigningBytes, REQUIRED_FIELDS} from './receipt.js'

export const PYTHON_RECEIPT_VERSION = '1.0'
export const RECEIPT_FORMS = [RECEIPT_CANONICALIZATION, `python-${PYTHON_RECEIPT_VERSION}`] as const
export type ReceiptForm = (typeof RECEIPT_FORMS)[number]

type FieldType = 'string' | 'number' | 'integer'

/** The upstream pydantic model's required fields (aitbc_crypto.receipt.Receipt). */
const PYTHON_REQUIRED_FIELDS: Record<string, FieldType> = {
  version: 'string',
  receipt_id: 'string',
  job_id: 'string',
  provider: 'string',
  client: 'string',
  units: 'number',
  unit_type: 'string',
  started_at: 'integer',
  completed_at: 'integer',
}

/** Fields outside the signed bytes of a Python receipt: its own signature and coordinator attestations. */
const PYTHON_UNSIGNED_FIELDS = new Set(['signature', 'attestations'])

/** A signature object on a receipt and where it sits: `signature`, or `attestations[i]`. */
export interface PlacedSignature {
  at: string
  value: unknown
}

export interface ReadReceipt {
  /** The receipt as JSON.parse reads it. */
  receipt: Record<string, unknown>
  form: ReceiptForm
  /** The exact bytes its signature, and each attestation, must cover. */
  signedBytes: Uint8Array
  /** `signature` first, then each upstream attestation in order; every one must verify. */
  signatures: PlacedSignature[]
}

export interface MalformedReceipt {
  malformed: string
  /** Present when the text was a JSON object, so callers can still name it. */
  receipt?: Record<string, unknown>
}

/** The form a receipt names by its own fields, or why it names none. */
export function receiptForm(receipt: Record<string, unknown>): ReceiptForm | MalformedReceipt {
  const {canonicalization, version} = receipt
  if (canonicalization !== undefined && version !== undefined) return {malformed: 'names two forms (both canonicalization and version)'}
  if (canonicalization === RECEIPT_CANONICALIZATION) return RECEIPT_CANONICALIZATION
  if (canonicalization !== undefined) return {malformed: `unsupported canonicalization ${JSON.stringify(canonicalization)}`}
  if (version === PYTHON_RECEIPT_VERSION) return `python-${PYTHON_RECEIPT_VERSION}`
  if (version !== undefined) return {malformed: `unsupported receipt version ${JSON.stringify(version)}`}
  return {malformed: 'names no form (neither canonicalization nor version)'}
}

/**
 * Reads one receipt from its JSON text: the receipt, its form, and the bytes its signature covers.
 * Text rather than a parsed value, because the Python form needs every number as it was written
 * (lossless-json, loaded only when such a receipt comes).
 */
export async function readReceipt(text: string): Promise<ReadReceipt | MalformedReceipt> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return {malformed: 'not valid JSON'}
  }
  if (!isRecord(value)) return {malformed: 'not a JSON object'}
  const receipt = value
  const form = receiptForm(receipt)
  if (typeof form !== 'string') return {...form, receipt}
  if (form === RECEIPT_CANONICALIZATION) {
    const problem = fieldProblem(receipt, REQUIRED_FIELDS)
    if (problem) return {malformed: problem, receipt}
    if ('attestations' in receipt) return {malformed: 'attestations belong to the upstream 1.0 form; an rfc8785 receipt has only its signature', receipt}
    try {
      return {receipt, form, signedBytes: receiptSigningBytes(receipt), signatures: [{at: 'signature', value: receipt.signature}]}
    } catch (error) {
      // RFC 8785 has no form for some values JSON.parse accepts, e.g. 1e400 (Infinity).
      return {malformed: `no RFC 8785 form: ${(error as Error).message}`, receipt}
    }
  }
  const problem = fieldProblem(receipt, PYTHON_REQUIRED_FIELDS)
  if (problem) return {malformed: problem, receipt}
  const {attestations = null} = receipt
  // Upstream reads a missing or null list as none; anything but a list is refused here (upstream skips it).
  if (attestations !== null && !Array.isArray(attestations)) return {malformed: 'attestations must be a list of signature objects', receipt}
  const signatures = [{at: 'signature', value: receipt.signature}, ...(attestations ?? []).map((value, i) => ({at: `attestations[${i}]`, value}))]
  const {parse} = await import('lossless-json')
  let exact: unknown
  try {
    exact = parse(text)
  } catch (error) {
    return {malformed: `not readable with exact numbers: ${(error as Error).message}`, receipt}
  }
  const signed = Object.fromEntries(Object.entries(exact as Record<string, unknown>).filter(([key]) => !PYTHON_UNSIGNED_FIELDS.has(key)))
  return {receipt, form, signedBytes: Buffer.from(pythonCanonicalJson(signed), 'utf8'), signatures}
}

function fieldProblem(record: Record<string, unknown>, fields: Record<string, FieldType>): string | undefined {
  for (const field in fields) {
    const type = fields[field]
    const value = record[field]
    if (value === undefined) return `missing field ${field}`
    const ok = type === 'integer' ? Number.isInteger(value) : typeof value === type
    if (!ok) return `field ${field} must be ${type === 'integer' ? 'an integer' : `a ${type}`}`
  }
  return undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
