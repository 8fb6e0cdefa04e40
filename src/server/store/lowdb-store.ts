// The lowdb store. lowdb keeps the small mutable document (meta, API keys, miners); history goes to
// append-only JSON Lines files, one append per file per flush, between a `begin` and a `done` line in
// the commit log, so a crash mid-flush is rolled back (commit-log.ts). So the cost of a write depends
// on what the write adds, never on how much history there is. Indexes are in memory; records that can no
// longer change (finished jobs, receipts, sealed transactions) are kept only as where they are on disk
// once written, and read back when asked for, so memory and load time stay small as history grows.
import {access, open} from 'node:fs/promises'
import path from 'node:path'

import {Low} from 'lowdb'
import {JSONFile} from 'lowdb/node'

import type {JobStatus} from '../../protocol/job-states.js'
import type {Transaction} from '../../protocol/ledger.js'
import {CommitLog} from './commit-log.js'
import {checkCoordinatorDoc, type CoordinatorDoc} from './coordinator-doc.js'
import {JobIndex} from './job-index.js'
import {corrupt, JsonLinesAppender, readJsonLines, type LineAt} from './jsonl-file.js'
import {LedgerIndex} from './ledger-index.js'
import {ReceiptIndex} from './receipt-index.js'
import {asBlock, asJob, asReceipt, asTransaction} from './record-checks.js'
import type {ApiKeyRecord, BlockRecord, JobRecord, LedgerTransaction, MinerRecord, ReceiptRecord, StoreMeta} from './records.js'
import type {JobQuery, Page, ReceiptQuery, Store} from './store.js'
import {StoreCorruptError, StoreUnavailableError} from './store-errors.js'
import {GroupCommit} from './group-commit.js'

export const STORE_FILES = {
  doc: 'coordinator.json',
  receipts: 'receipts.jsonl',
  jobs: 'jobs.jsonl',
  transactions: 'transactions.jsonl',
  blocks: 'blocks.jsonl',
  commits: 'commits.jsonl',
} as const

type History = 'receipts' | 'jobs' | 'transactions' | 'blocks'
/** The history files; the commit log records their sizes by file name. */
const HISTORY: readonly History[] = ['receipts', 'jobs', 'transactions', 'blocks']
const LOGGED = HISTORY.map((name) => STORE_FILES[name])

/** A line waiting for the next flush, and what to tell once it is on disk. */
interface PendingLine {
  line: string
  written?: (at: LineAt) => void
}

export class LowdbStore implements Store {
  private readonly jobs: JobIndex
  private readonly receipts: ReceiptIndex
  private readonly ledger: LedgerIndex
  private readonly minerPositions = new Map<string, number>()
  private readonly keyPositions = new Map<string, number>()
  private readonly pending = new Map<History, PendingLine[]>(HISTORY.map((name) => [name, []]))
  private docDirty = false
  /** Only liveness changed: written along with the next document write, or at close. */
  private docStale = false
  private flushes = 0
  private failure: StoreUnavailableError | undefined
  private readonly groupCommit = new GroupCommit(() => this.flush())

  private constructor(
    private readonly db: Low<CoordinatorDoc>,
    private readonly appenders: Record<History, JsonLinesAppender>,
    private readonly commitLog: CommitLog,
  ) {
    this.jobs = new JobIndex((at) => asJob(appenders.jobs.read(at)))
    this.receipts = new ReceiptIndex((at) => asReceipt(appenders.receipts.read(at)))
    this.ledger = new LedgerIndex((first, last) => appenders.transactions.readRange(first, last).map(asTransaction))
    db.data.api_keys.forEach((key, i) => this.keyPositions.set(key.name, i))
    db.data.miners.forEach((miner, i) => this.minerPositions.set(miner.miner_id, i))
  }

  /** Creates a new, empty store in `dir`; refuses if any of its files already exists. */
  static async create(dir: string, meta: StoreMeta): Promise<LowdbStore> {
    for (const name of [...HISTORY, 'commits'] as const) await (await open(path.join(dir, STORE_FILES[name]), 'wx', 0o600)).close()
    const db = new Low<CoordinatorDoc>(new JSONFile(path.join(dir, STORE_FILES.doc)), {meta, api_keys: [], miners: []})
    const store = new LowdbStore(db, await openAppenders(dir), await CommitLog.open(path.join(dir, STORE_FILES.commits), LOGGED))
    store.commitLog.done(store.sizes())
    // The document is written last, with the first commit: its presence marks the store complete.
    store.docDirty = true
    return store
  }

  /** Loads an existing store; throws StoreCorruptError naming the file (and line) that cannot be read. */
  static async open(dir: string): Promise<LowdbStore> {
    const docFile = path.join(dir, STORE_FILES.doc)
    const db = new Low<CoordinatorDoc>(new JSONFile(docFile), {} as CoordinatorDoc)
    try {
      await db.read()
      db.data = checkCoordinatorDoc(db.data)
    } catch (error) {
      throw new StoreCorruptError(`${docFile}: ${(error as Error).message}`)
    }
    for (const name of HISTORY) {
      const file = path.join(dir, STORE_FILES[name])
      await access(file).catch(() => {
        throw new StoreCorruptError(`${file} is missing; the data directory is incomplete`)
      })
    }
    const commitLog = await CommitLog.open(path.join(dir, STORE_FILES.commits), LOGGED)
    const appenders = await openAppenders(dir).catch(async (error) => {
      await commitLog.close()
      throw error
    })
    const store = new LowdbStore(db, appenders, commitLog)
    try {
      await store.loadHistory(dir)
    } catch (error) {
      await store.closeFiles()
      throw error
    }
    return store
  }

  /** How many flushes reached the disk: with group commit, fewer than the commits asked for. */
  get flushCount(): number {
    return this.flushes
  }

  get meta(): StoreMeta {
    return this.db.data.meta
  }

  apiKeys(): readonly ApiKeyRecord[] {
    return this.db.data.api_keys
  }

  getApiKey(name: string): ApiKeyRecord | undefined {
    const at = this.keyPositions.get(name)
    return at === undefined ? undefined : this.db.data.api_keys[at]
  }

  putApiKey(key: ApiKeyRecord): void {
    upsert(this.db.data.api_keys, this.keyPositions, key.name, key)
    this.docDirty = true
  }

  getMiner(minerId: string): MinerRecord | undefined {
    const at = this.minerPositions.get(minerId)
    return at === undefined ? undefined : this.db.data.miners[at]
  }

  miners(): Iterable<MinerRecord> {
    return this.db.data.miners
  }

  putMiner(miner: MinerRecord): void {
    upsert(this.db.data.miners, this.minerPositions, miner.miner_id, miner)
    this.docDirty = true
  }

  touchMiner(minerId: string, lastSeen: string): void {
    const miner = this.getMiner(minerId)
    if (!miner) return
    upsert(this.db.data.miners, this.minerPositions, minerId, {...miner, last_seen: lastSeen})
    this.docStale = true
  }

  getJob(jobId: string): JobRecord | undefined {
    return this.jobs.get(jobId)
  }

  jobByIdempotencyKey(client: string, key: string): JobRecord | undefined {
    return this.jobs.byIdempotencyKey(client, key)
  }

  listJobs(query: JobQuery): JobRecord[] {
    return this.jobs.list(query)
  }

  oldestPendingJob(models: Iterable<string>, skip?: (jobId: string) => boolean): JobRecord | undefined {
    return this.jobs.oldestPending(models, skip)
  }

  runningJobs(): JobRecord[] {
    return this.jobs.runningJobs()
  }

  jobCount(): number {
    return this.jobs.size
  }

  countJobs(query: {client?: string; status?: JobStatus}): number {
    return this.jobs.count(query)
  }

  pendingPromptBytes(): number {
    return this.jobs.pendingPromptBytes
  }

  putJob(job: JobRecord): void {
    this.jobs.put(job)
    this.queue('jobs', job, (at) => this.jobs.written(job, at))
  }

  getReceipt(receiptId: string): ReceiptRecord | undefined {
    return this.receipts.get(receiptId)
  }

  listReceipts(query: ReceiptQuery): ReceiptRecord[] {
    return this.receipts.list(query, (minerId) => this.getMiner(minerId)?.principal)
  }

  receiptCount(): number {
    return this.receipts.size
  }

  putReceipt(receipt: ReceiptRecord): void {
    this.receipts.add(receipt, this.getMiner(receipt.provider)?.principal)
    this.queue('receipts', receipt, (at) => this.receipts.written(receipt, at))
  }

  lastTransactionSeq(): number {
    return this.ledger.lastSeq
  }

  appendTransaction(tx: Transaction): void {
    this.ledger.appendTransaction(tx)
    this.queue('transactions', tx, (at) => this.ledger.located(at))
  }

  unsealedTransactions(): Transaction[] {
    return this.ledger.unsealed()
  }

  recentTransactions(limit: number): LedgerTransaction[] {
    return this.ledger.recent(limit)
  }

  blockTransactions(height: number, page?: Page): LedgerTransaction[] | undefined {
    return this.ledger.blockTransactions(height, page)
  }

  headBlock(): BlockRecord | undefined {
    return this.ledger.head
  }

  getBlock(height: number): BlockRecord | undefined {
    return this.ledger.getBlock(height)
  }

  listBlocks(query: {limit: number; before?: number}): BlockRecord[] {
    return this.ledger.listBlocks(query.limit, query.before)
  }

  appendBlock(block: BlockRecord): void {
    this.ledger.appendBlock(block)
    this.queue('blocks', block)
  }

  commit(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    return this.groupCommit.request()
  }

  async close(): Promise<void> {
    try {
      if (!this.failure) {
        this.docDirty ||= this.docStale
        await this.commit()
      }
    } finally {
      await this.closeFiles()
    }
  }

  private queue(name: History, record: unknown, written?: (at: LineAt) => void): void {
    // Serialised now, so the line is a snapshot of the record as it was written.
    this.pending.get(name)!.push({line: JsonLinesAppender.line(record), written})
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure
    const batches = HISTORY.map((name) => [name, this.pending.get(name)!.splice(0)] as const)
    const docDirty = this.docDirty
    this.docDirty = false
    if (docDirty) this.docStale = false
    try {
      const written = batches
        .filter(([, lines]) => lines.length)
        .map(([name, lines]) => [name, lines, Buffer.from(lines.map((pending) => pending.line).join(''), 'utf8')] as const)
      if (written.length) {
        // Begin, write, done: a crash anywhere before `done` rolls the whole flush back at the next open.
        const before = this.sizes()
        const after = {...before}
        for (const [name, , bytes] of written) after[STORE_FILES[name]] += bytes.length
        this.commitLog.begin(after)
        for (const [name, , bytes] of written) this.appenders[name].append(bytes)
        this.commitLog.done(after)
        for (const [name, lines] of written) locate(before[STORE_FILES[name]], lines)
      }
      if (docDirty) await this.db.write()
      this.flushes++
    } catch (error) {
      this.failure = new StoreUnavailableError(`writing the store failed: ${(error as Error).message}`, {cause: error})
      throw this.failure
    }
  }

  /** Each history file's size, by file name: what the commit log records. */
  private sizes(): Record<string, number> {
    return Object.fromEntries(HISTORY.map((name) => [STORE_FILES[name], this.appenders[name].size]))
  }

  /**
   * Loads the committed history. What a flush cut short by a crash left (whole records it wrote, one
   * incomplete line) is checked, not loaded, then cut off; a store from before the commit log is read
   * whole and gets its first line.
   */
  private async loadHistory(dir: string): Promise<void> {
    const file = (name: History) => path.join(dir, STORE_FILES[name])
    const recovery = this.commitLog.isEmpty ? undefined : this.commitLog.recover(this.sizes(), dir)
    const tail = (name: History, check: (value: unknown) => unknown) => recovery && {committedBytes: recovery.keep[STORE_FILES[name]], check}
    // Blocks first: the transactions they seal are only located, not parsed (the bulk of the history).
    await readJsonLines(file('blocks'), (value) => this.ledger.loadBlock(asBlock(value)), {uncommitted: tail('blocks', asBlock)})
    if (!this.ledger.head) throw corrupt(file('blocks'), 1, 'no genesis block')
    await readJsonLines(file('jobs'), (value, at) => {
      const job = asJob(value)
      this.jobs.put(job)
      this.jobs.written(job, at)
    }, {uncommitted: tail('jobs', asJob)})
    await readJsonLines(file('receipts'), (value, at) => {
      const receipt = asReceipt(value)
      this.receipts.add(receipt, this.getMiner(receipt.provider)?.principal)
      this.receipts.written(receipt, at)
    }, {uncommitted: tail('receipts', asReceipt)})
    await readJsonLines(file('transactions'), (value, at) => {
      this.ledger.appendTransaction(asTransaction(value))
      this.ledger.located(at)
    }, {uncommitted: tail('transactions', asTransaction), unparsedLines: this.ledger.sealedCount, onUnparsed: (at) => this.ledger.appendSealed(at)})
    if (this.ledger.sealedCount > this.ledger.lastSeq) {
      throw new StoreCorruptError(`${file('blocks')}: the blocks seal ${this.ledger.sealedCount} transactions, but ${file('transactions')} holds ${this.ledger.lastSeq}`)
    }
    for (const name of HISTORY) {
      const keep = recovery?.keep[STORE_FILES[name]]
      if (keep !== undefined && this.appenders[name].size > keep) await this.appenders[name].truncate(keep)
    }
    await this.commitLog.settle(recovery)
    if (!recovery) this.commitLog.done(this.sizes())
  }

  private async closeFiles(): Promise<void> {
    await Promise.all([...HISTORY.map((name) => this.appenders[name].close()), this.commitLog.close()].map((closing) => closing.catch(() => undefined)))
  }
}

async function openAppenders(dir: string): Promise<Record<History, JsonLinesAppender>> {
  const entries = await Promise.all(HISTORY.map(async (name) => [name, await JsonLinesAppender.open(path.join(dir, STORE_FILES[name]))] as const))
  return Object.fromEntries(entries) as Record<History, JsonLinesAppender>
}

/** Tells each line's record where it now is, given the size its file had before the append. */
function locate(start: number, lines: readonly PendingLine[]): void {
  let offset = start
  for (const {line, written} of lines) {
    const bytes = Buffer.byteLength(line, 'utf8')
    written?.({offset, length: bytes - 1})
    offset += bytes
  }
}

function upsert<T>(list: T[], positions: Map<string, number>, id: string, value: T): void {
  const at = positions.get(id)
  if (at === undefined) positions.set(id, list.push(value) - 1)
  else list[at] = value
}
