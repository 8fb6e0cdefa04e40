// Receipts for the verification tests: real signatures from src/protocol, shaped like the coordinator's.
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {Ed25519Signer, generateSeed} from '../../src/protocol/ed25519.js'
import {sha256Hex} from '../../src/protocol/encoding.js'
import {RECEIPT_CANONICALIZATION, type Receipt, signReceipt, type UnsignedReceipt} from '../../src/protocol/receipt.js'
import {REPO_ROOT} from '../helpers/cli.js'

export const PROMPT = 'Say hi in French'
export const RESULT = 'Bonjour ! 👋'

export function unsignedReceipt(n = 1): UnsignedReceipt {
  return {
    receipt_id: `rcpt_01JD${String(n).padStart(22, '0')}`,
    job_id: `job_01JD${String(n).padStart(22, '0')}`,
    provider: 'miner-1',
    client: 'alice',
    units: 12,
    unit_type: 'tokens',
    price: 0.024,
    model: 'llama3.2',
    started_at: 1700000000,
    completed_at: 1700000003,
    prompt_sha256: sha256Hex(PROMPT),
    result_sha256: sha256Hex(RESULT),
    canonicalization: RECEIPT_CANONICALIZATION,
  }
}

export function newSigner(): Ed25519Signer {
  return new Ed25519Signer(generateSeed())
}

export function signedReceipts(signer: Ed25519Signer, count: number): Receipt[] {
  return Array.from({length: count}, (_, i) => signReceipt(unsignedReceipt(i + 1), signer))
}

/** Receipts signed by CPython with the upstream canonical_json (test/protocol/fixtures). */
export const pythonReceipts: {key_id: string; attestation_key_id: string; receipts: {text: string; signed: string}[]} = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'test/protocol/fixtures/python-receipts.json'), 'utf8'),
)
