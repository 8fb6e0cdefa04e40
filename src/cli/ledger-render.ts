// How receipts, blocks, transactions and network stats look to people. Full hashes and signatures are
// in the `get`/`block` views and under --json; tables show a prefix that is enough to tell them apart.
import type {Block, BlockDetail, Receipt, Schemas} from '../client/client.js'
import {age, type Column, fields} from './render.js'

const HASH_PREFIX = 12

export function shortHash(hash: string): string {
  return hash.length > HASH_PREFIX ? `${hash.slice(0, HASH_PREFIX)}…` : hash
}

/** Receipts carry Unix times in seconds. */
export function unixToIso(seconds: number): string {
  return new Date(seconds * 1000).toISOString()
}

export const RECEIPT_TABLE_HEAD: (string | Column)[] = [
  {head: 'RECEIPT', shorten: 'middle'},
  {head: 'JOB', shorten: 'middle'},
  {head: 'PROVIDER', shorten: 'end'},
  {head: 'CLIENT', shorten: 'end'},
  'UNITS',
  'PRICE',
  {head: 'MODEL', shorten: 'end'},
  'AGE',
]

export function receiptRow(receipt: Receipt, now = Date.now()): (string | number)[] {
  const {receipt_id: id, job_id: job, provider, client, units, unit_type: unitType, price, model} = receipt
  return [id, job, provider, client, `${units} ${unitType}`, price, model, age(unixToIso(receipt.completed_at), now)]
}

export function receiptFields(receipt: Receipt): string {
  return fields([
    ['receipt', receipt.receipt_id],
    ['job', receipt.job_id],
    ['provider', receipt.provider],
    ['client', receipt.client],
    ['model', receipt.model],
    ['units', `${receipt.units} ${receipt.unit_type}`],
    ['price', receipt.price],
    ['started', unixToIso(receipt.started_at)],
    ['completed', unixToIso(receipt.completed_at)],
    ['prompt sha256', receipt.prompt_sha256],
    ['result sha256', receipt.result_sha256],
    ['signed by', receipt.signature.key_id],
    ['signature', `${receipt.signature.alg} ${receipt.signature.sig}`],
  ])
}

export const BLOCK_TABLE_HEAD = ['HEIGHT', 'HASH', 'TXS', 'AGE', 'TIMESTAMP']

export function blockRow(block: Block, now = Date.now()): (string | number)[] {
  return [block.height, shortHash(block.hash), block.transactions, age(block.timestamp, now), block.timestamp]
}

export function blockFields(block: Block | BlockDetail): string {
  return fields([
    ['height', block.height],
    ['hash', block.hash],
    ['prev hash', block.prev_hash],
    ['merkle root', block.merkle_root],
    ['timestamp', block.timestamp],
    ['transactions', block.transactions],
    ['signed by', block.signature.key_id],
    ['signature', `${block.signature.alg} ${block.signature.sig}`],
  ])
}

type Transaction = Schemas['Transaction']

export const TRANSACTION_TABLE_HEAD: (string | Column)[] = ['SEQ', 'TYPE', 'BLOCK', 'AGE', 'HASH', {head: 'JOB', shorten: 'middle'}]

export function transactionRow(tx: Transaction, now = Date.now()): (string | number)[] {
  const job = typeof tx.data.job_id === 'string' ? tx.data.job_id : '-'
  return [tx.seq, tx.type, tx.block_height ?? 'pending', age(tx.timestamp, now), shortHash(tx.tx_hash), job]
}

export function statsFields(stats: Schemas['NetworkStats']): string {
  return fields([
    ['jobs', stats.total_jobs],
    ['active miners', stats.active_miners],
    ['receipts', stats.total_receipts],
    ['block height', stats.block_height],
  ])
}
