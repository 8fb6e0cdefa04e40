// The history index (history-index.json): what the in-memory indexes hold of jobs.jsonl, receipts.jsonl
// and transactions.jsonl, written when the store closes, so the next open does not parse 100,000 jobs'
// records again. It is a cache, never the data: the open reads every history file anyway and takes the
// index's entries for a file only when the crc32 of the file's first `bytes` is the one the index
// recorded (and the index's own crc and shape check out); it parses whatever follows those bytes as
// before. Anything else (no index, an older format, a damaged index, a file changed since) means the
// file is parsed whole, exactly as without an index, so a torn or corrupt file is still refused with
// its name and line; the index is written again at the next close.
//
// Format: a header line `{"history_index": 1, "bytes": N, "crc": crc32}` and N bytes of JSON, the
// entries in columns (one array per field) with repeated names (status, client, model) as numbers into
// `names`.
import {crc32} from 'node:zlib'

import {JOB_STATUSES} from '../../protocol/job-states.js'
import type {FileState} from './jsonl-file.js'
import {StoreCorruptError} from './store-errors.js'

export const HISTORY_INDEX_FILE = 'history-index.json'
const FORMAT = 1
const NEWLINE = 0x0a

/** Jobs in submit order, each where its current version is. */
export interface JobSection {
  names: string[]
  ids: string[]
  /** Positions in `names`. */
  status: number[]
  client: number[]
  model: number[]
  /** UTF-8 bytes of each prompt (the queued-prompt total counts them while a job is pending). */
  promptBytes: number[]
  offset: number[]
  length: number[]
  /** [position in `ids`, Idempotency-Key]. */
  idempotency: [number, string][]
}

/** Receipts in issue order, each where it is. */
export interface ReceiptSection {
  names: string[]
  ids: string[]
  client: number[]
  provider: number[]
  offset: number[]
  length: number[]
}

export const INDEXED = ['jobs', 'receipts', 'transactions'] as const
export type Indexed = (typeof INDEXED)[number]

export interface HistoryIndex {
  /** The bytes of each file the entries were made from. */
  files: Record<Indexed, FileState>
  jobs: JobSection
  receipts: ReceiptSection
  /** The length of every transaction line, from the start of the file. */
  transactions: number[]
}

/** An index whose crc checks out lists an id twice: no build writes that, so it is refused rather than guessed at. */
export class DuplicateEntryError extends StoreCorruptError {
  constructor(what: 'job' | 'receipt') {
    super(`${HISTORY_INDEX_FILE} lists a ${what} twice; it is only a cache of the history: remove it and the history files are read instead`)
  }
}

export function encodeHistoryIndex(index: HistoryIndex): Buffer {
  const body = Buffer.from(JSON.stringify(index), 'utf8')
  const header = Buffer.from(`${JSON.stringify({history_index: FORMAT, bytes: body.length, crc: crc32(body)})}\n`, 'utf8')
  return Buffer.concat([header, body])
}

/** The index `bytes` hold, or why it cannot be used. */
export function decodeHistoryIndex(bytes: Buffer): HistoryIndex | string {
  const headerEnd = bytes.indexOf(NEWLINE)
  const header = headerEnd === -1 ? undefined : parseObject(bytes.subarray(0, headerEnd))
  if (header?.history_index !== FORMAT) return `not a history index of format ${FORMAT}`
  const body = bytes.subarray(headerEnd + 1)
  if (header.bytes !== body.length || header.crc !== crc32(body)) return 'its length or crc is not the one it was written with'
  const index = parseObject(body)
  const why = index ? problemOf(index) : 'its body is not a JSON object'
  return why ?? (index as unknown as HistoryIndex)
}

function parseObject(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as unknown
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

// The crc says the index is the one written; these checks make sure that what the store loads from it
// cannot break an index's invariants even so (an index from a newer build that kept the format number).

function problemOf(index: Record<string, unknown>): string | undefined {
  const files = index.files as Record<string, unknown> | undefined
  for (const name of INDEXED) if (!isFileState(files?.[name])) return `no valid size, line count and crc for ${name}`
  const {jobs: jobsFile, receipts: receiptsFile, transactions: transactionsFile} = files as Record<Indexed, FileState>
  const jobs = index.jobs as JobSection
  const receipts = index.receipts as ReceiptSection
  const jobColumns = columns(jobs, ['status', 'client', 'model', 'promptBytes', 'offset', 'length'])
  if (jobColumns === undefined || jobs.ids.length > jobsFile.lines) return 'its job entries are not complete columns'
  if (!jobs.status.every((at) => (JOB_STATUSES as readonly string[]).includes(jobs.names[at]))) return 'a job entry has no valid status'
  if (!placed(jobs, jobsFile.bytes) || !jobs.promptBytes.every(isCount)) return 'a job entry has no valid place or prompt size'
  const idempotency = jobs.idempotency
  if (!Array.isArray(idempotency) || !idempotency.every((pair) => Array.isArray(pair) && isPosition(pair[0], jobColumns) && typeof pair[1] === 'string')) {
    return 'its idempotency keys are not valid'
  }
  const receiptColumns = columns(receipts, ['client', 'provider', 'offset', 'length'])
  if (receiptColumns === undefined || receiptColumns !== receiptsFile.lines || !placed(receipts, receiptsFile.bytes)) return 'its receipt entries are not complete columns'
  const lengths = index.transactions
  if (!Array.isArray(lengths) || lengths.length !== transactionsFile.lines || !lengths.every(isCount)) return 'its transaction lengths are not valid'
  if (lengths.reduce((sum: number, length: number) => sum + length + 1, 0) !== transactionsFile.bytes) return 'its transaction lengths do not add up to the file'
  return undefined
}

/** The number of entries when `ids` and every column (names as positions in `names`) are as long; else undefined. */
function columns(section: unknown, fields: string[]): number | undefined {
  if (!section || typeof section !== 'object') return undefined
  const record = section as Record<string, unknown> & {names: unknown; ids: unknown}
  if (!Array.isArray(record.names) || !record.names.every((name) => typeof name === 'string')) return undefined
  // Unique too, which restoring checks as it goes (a Set of 100,000 ids here would cost as much again).
  if (!Array.isArray(record.ids) || !record.ids.every((id) => typeof id === 'string')) return undefined
  const count = record.ids.length
  for (const field of fields) {
    const column = record[field]
    if (!Array.isArray(column) || column.length !== count || !column.every(isCount)) return undefined
  }
  for (const field of fields.filter((field) => ['status', 'client', 'model', 'provider'].includes(field))) {
    if (!(record[field] as number[]).every((at) => at < (record.names as string[]).length)) return undefined
  }
  return count
}

/** Every entry's line lies within the first `bytes` of its file. */
function placed(section: {offset: number[]; length: number[]}, bytes: number): boolean {
  return section.offset.every((offset, i) => offset + section.length[i] < bytes)
}

function isFileState(value: unknown): value is FileState {
  const state = value as FileState | undefined
  return isCount(state?.bytes) && isCount(state?.lines) && isCount(state?.crc)
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function isPosition(value: unknown, count: number): boolean {
  return isCount(value) && value < count
}
