// Shape checks for history lines read back from disk: a line that parses as JSON but is not the
// record it should be is corruption, reported with its file and line rather than loaded.
import {JOB_STATUSES} from '../../protocol/job-states.js'
import {TRANSACTION_TYPES, type Block, type Transaction} from '../../protocol/ledger.js'
import {isSignatureObject} from '../../protocol/signature.js'
import type {JobRecord, MinerRecord, ReceiptRecord} from './records.js'

type Shape = Record<string, 'string' | 'number' | 'object'>

function check(value: unknown, what: string, shape: Shape): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`not a ${what} record`)
  const record = value as Record<string, unknown>
  for (const [field, type] of Object.entries(shape)) {
    const actual = record[field]
    if (typeof actual !== type || actual === null) throw new Error(`${what} record without a valid ${field}`)
  }
  return record
}

export function asJob(value: unknown): JobRecord {
  const record = check(value, 'job', {
    job_id: 'string', status: 'string', prompt: 'string', model: 'string', params: 'object', client: 'string',
    attempts: 'number', created_at: 'string',
  })
  if (!(JOB_STATUSES as readonly unknown[]).includes(record.status)) throw new Error(`job record with unknown status ${String(record.status)}`)
  return record as unknown as JobRecord
}

export function asMiner(value: unknown): MinerRecord {
  const record = check(value, 'miner', {miner_id: 'string', principal: 'string', capabilities: 'object', registered_at: 'string', last_seen: 'string'})
  if (!Array.isArray(record.capabilities)) throw new Error('miner record without a valid capabilities list')
  return record as unknown as MinerRecord
}

export function asReceipt(value: unknown): ReceiptRecord {
  const record = check(value, 'receipt', {receipt_id: 'string', job_id: 'string', provider: 'string', client: 'string', signature: 'object'})
  if (!isSignatureObject(record.signature)) throw new Error('receipt record without a valid signature')
  return record as unknown as ReceiptRecord
}

export function asTransaction(value: unknown): Transaction {
  const record = check(value, 'transaction', {tx_hash: 'string', seq: 'number', type: 'string', timestamp: 'string', data: 'object'})
  if (!(TRANSACTION_TYPES as readonly unknown[]).includes(record.type)) throw new Error(`transaction of unknown type ${String(record.type)}`)
  return record as unknown as Transaction
}

export function asBlock(value: unknown): Block {
  const record = check(value, 'block', {
    height: 'number', hash: 'string', prev_hash: 'string', merkle_root: 'string', timestamp: 'string', transactions: 'number', signature: 'object',
  })
  return record as unknown as Block
}
