// The file store (named for lowdb, whose document format it keeps). A small document holds meta and
// API keys, rewritten whole through a temporary file; everything else goes to append-only JSON Lines
// files (miners, job versions, receipts, transactions, blocks), one append per file per flush. So the
// cost of a write depends on what the write adds, never on how much history there is.
//
// Acknowledged means on disk, in one sync round: a flush first goes whole into the flush log
// (commits.jsonl), which alone is fdatasynced before commit() resolves; the history files get the same
// bytes afterwards and are synced at checkpoints (flush-log.ts says why a crash loses nothing
// acknowledged and how opening replays what the files lost). Everything queued while a flush runs
// shares the next one (group-commit.ts).
//
// Indexes are in memory; a record, once written, is kept only as where it is on disk and read back when
// asked for (job prompts included, pending or not), so memory and load time stay small as data grows.
// Closing writes them to the history index (history-index.ts), so the next open checksums the history
// files instead of parsing them, and parses only what was added after the index was written.
//
// A write that fails (disk full, I/O error) is undone on disk and kept queued; the store then refuses
// writes (writeFailure() says why) and retries on its own until writing works again.
import path from 'node:path'

import type {JobStatus} from '../../protocol/job-states.js'
import type {Transaction} from '../../protocol/ledger.js'
import {checkFileSizes, FlushLog, type LogContents} from './flush-log.js'
import {LegacyCommitLog} from './legacy-commit-log.js'
import {checkCoordinatorDoc, type CoordinatorDoc} from './coordinator-doc.js'
import {JobIndex} from './job-index.js'
import {NodeFileLayer, replaceFile, type FileLayer} from './file-layer.js'
import {decodeHistoryIndex, encodeHistoryIndex, HISTORY_INDEX_FILE, INDEXED, type HistoryIndex, type Indexed} from './history-index.js'
import {corrupt, JsonLinesAppender, readJsonLines, type FileState, type LineAt, type ReadOptions} from './jsonl-file.js'
import {LedgerIndex} from './ledger-index.js'
import {ReceiptIndex} from './receipt-index.js'
import {RecentRecords} from './recent-records.js'
import {asBlock, asJob, asMiner, asReceipt, asTransaction} from './record-checks.js'
import type {ApiKeyRecord, BlockRecord, JobRecord, LedgerTransaction, MinerRecord, ReceiptRecord, StoreMeta} from './records.js'
import type {JobQuery, Page, ReceiptQuery, Store} from './store.js'
import {StoreCorruptError, StoreUnavailableError} from './store-errors.js'
import {GroupCommit} from './group-commit.js'

export const STORE_FILES = {
  doc: 'coordinator.json',
  miners: 'miners.jsonl',
  receipts: 'receipts.jsonl',
  jobs: 'jobs.jsonl',
  transactions: 'transactions.jsonl',
  blocks: 'blocks.jsonl',
  commits: 'commits.jsonl',
} as const

type History = 'miners' | 'receipts' | 'jobs' | 'transactions' | 'blocks'
/** The history files; the flush log records their sizes by file name. */
const HISTORY: readonly History[] = ['miners', 'receipts', 'jobs', 'transactions', 'blocks']
const LOGGED = HISTORY.map((name) => STORE_FILES[name])
/** Files a store made before them lacks: its (legacy) commit log lines count them as empty. */
const ADDED_LATER = [STORE_FILES.miners]

export interface StoreOptions {
  /** The files (default: the operating system's, synced). */
  files?: FileLayer
  /** How long after a failed write the store tries again (milliseconds). */
  retryWriteMs?: number
  /** Once the flush log is this many bytes, the next flush checkpoints first (syncs the history files, empties the log). */
  checkpointBytes?: number
  /** Told when writing fails (with the reason) and when it works again (undefined). */
  onWriteState?: (failure: string | undefined) => void
}

/** How long after a failed write the store tries again, by default. */
export const RETRY_WRITE_MS = 2000
/** The flush log's size past which the next flush checkpoints, by default: small enough to replay in moments. */
export const CHECKPOINT_BYTES = 8 * 1024 * 1024
/**
 * Each time this share of the checkpoint size reaches the history files, they are synced in the
 * background (no write waits for it), so the checkpoint's own sync, which every write queued behind it
 * waits for, finds little left to write (an fdatasync of 8 MiB took 9-18 ms on the bench machine).
 */
const PRESYNC_PARTS = 8

const EMPTY = Buffer.alloc(0)
/**
 * How long writes nobody waits for (claims) wait for a flush someone asks for before they get one of
 * their own: long enough for the miner's completion to follow its claim (a flush for the claim alone
 * would hold the completion's flush behind it, one more sync on the miner's path per job), short
 * enough that a claim is seldom in memory only (a crash then costs the job a new offer, as before).
 */
export const COMMIT_SOON_MS = 50
/**
 * Job versions kept after their write (recent-records.ts): enough for the versions a busy lifecycle
 * writes between a job's write and its next read (16 clients' jobs queue behind 4 miners), and at most a
 * few large prompts' worth of memory.
 */
export const RECENT_JOBS = 256
export const RECENT_JOB_BYTES = 4 * 1024 * 1024

/** A line waiting for the next flush, and what to tell once it is on disk. */
interface PendingLine {
  line: string
  written?: (at: LineAt) => void
}

export class LowdbStore implements Store {
  private readonly jobs: JobIndex
  private readonly recentJobs = new RecentRecords<JobRecord>(RECENT_JOBS, RECENT_JOB_BYTES)
  private readonly receipts: ReceiptIndex
  private readonly ledger: LedgerIndex
  private readonly minerRecords = new Map<string, MinerRecord>()
  /** Miners whose liveness changed since their last line: written with the next miner line, or at close. */
  private readonly staleMiners = new Set<string>()
  private readonly keyPositions = new Map<string, number>()
  private readonly pending = new Map<History, PendingLine[]>(HISTORY.map((name) => [name, []]))
  private docDirty = false
  private flushes = 0
  private failure: StoreUnavailableError | undefined
  /** A failed flush left bytes on disk past these sizes (and the commit log past `log`): cut before retrying. */
  private undo: {sizes: Record<string, number>; log: number} | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private soonTimer: NodeJS.Timeout | undefined
  private closed = false
  private readonly groupCommit = new GroupCommit(() => this.flush())
  private readonly files: FileLayer
  private readonly retryWriteMs: number
  private readonly checkpointBytes: number
  /** What the history index on disk was made from, when it describes the files as they are. */
  private indexed: Record<Indexed, FileState> | undefined
  private readonly fromIndex: Indexed[] = []
  /** History bytes appended since the files were last synced (in the background or by a checkpoint). */
  private unsyncedHistory = 0
  /** The background sync of the history files in flight; a checkpoint waits for it and fails with it. */
  private presync: Promise<void> | undefined

  private constructor(
    private readonly docFile: string,
    private readonly doc: CoordinatorDoc,
    private readonly appenders: Record<History, JsonLinesAppender>,
    private readonly log: FlushLog,
    private readonly options: StoreOptions,
  ) {
    this.files = options.files ?? new NodeFileLayer()
    this.retryWriteMs = options.retryWriteMs ?? RETRY_WRITE_MS
    this.checkpointBytes = options.checkpointBytes ?? CHECKPOINT_BYTES
    this.jobs = new JobIndex((at) => this.recentJobs.get(at.offset) ?? asJob(appenders.jobs.read(at)))
    this.receipts = new ReceiptIndex((at) => asReceipt(appenders.receipts.read(at)))
    this.ledger = new LedgerIndex((first, last) => appenders.transactions.readRange(first, last).map(asTransaction))
    doc.api_keys.forEach((key, i) => this.keyPositions.set(key.name, i))
    // A store from before miners.jsonl keeps its miners in the document: they are the oldest versions.
    for (const miner of doc.miners) this.minerRecords.set(miner.miner_id, miner)
  }

  /** Creates a new, empty store in `dir`; refuses if any of its files already exists. */
  static async create(dir: string, meta: StoreMeta, options: StoreOptions = {}): Promise<LowdbStore> {
    const files = options.files ?? new NodeFileLayer()
    for (const name of [...HISTORY, 'commits'] as const) await (await files.open(path.join(dir, STORE_FILES[name]), 'new')).close()
    const appenders = await openAppenders(files, dir)
    const {log} = await FlushLog.open(files, path.join(dir, STORE_FILES.commits), LOGGED)
    const store = new LowdbStore(path.join(dir, STORE_FILES.doc), {meta, api_keys: [], miners: []}, appenders, log, {...options, files})
    for (const name of HISTORY) appenders[name].readWhole({bytes: 0, lines: 0, crc: 0})
    // The first checkpoint line (its directory synced with it) makes the log one in this format.
    await store.checkpoint()
    // The document is written last, with the first commit: its presence marks the store complete.
    store.docDirty = true
    return store
  }

  /** Loads an existing store; throws StoreCorruptError naming the file (and line) that cannot be read. */
  static async open(dir: string, options: StoreOptions = {}): Promise<LowdbStore> {
    const files = options.files ?? new NodeFileLayer()
    const docFile = path.join(dir, STORE_FILES.doc)
    let doc: CoordinatorDoc
    try {
      doc = checkCoordinatorDoc(JSON.parse((await files.readFile(docFile)).toString('utf8')))
    } catch (error) {
      throw new StoreCorruptError(`${docFile}: ${(error as Error).message}`)
    }
    for (const name of HISTORY) {
      const file = path.join(dir, STORE_FILES[name])
      // miners.jsonl came later: a store without it is made before it, and gets it.
      if (name !== 'miners' && !(await files.exists(file))) throw new StoreCorruptError(`${file} is missing; the data directory is incomplete`)
    }
    const {log, contents} = await FlushLog.open(files, path.join(dir, STORE_FILES.commits), LOGGED)
    const appenders = await openAppenders(files, dir).catch(async (error) => {
      await log.close()
      throw error
    })
    const store = new LowdbStore(docFile, doc, appenders, log, {...options, files})
    try {
      await files.syncDir(dir)
      if (contents) await store.loadHistory(dir, contents)
      else await store.loadLegacyHistory(dir)
      if (doc.miners.length) {
        // Miners move out of the document into miners.jsonl: written (and synced) first, then the
        // document without them. A crash between leaves them in both, which reads the same.
        for (const miner of store.minerRecords.values()) store.queue('miners', miner)
        store.docDirty = true
        await store.commit()
      }
    } catch (error) {
      await store.closeFiles()
      throw error
    }
    return store
  }

  /** The history files whose records the open took from the history index (the rest it parsed). */
  get loadedFromIndex(): readonly Indexed[] {
    return this.fromIndex
  }

  /** How many flushes reached the disk: with group commit, fewer than the commits asked for. */
  get flushCount(): number {
    return this.flushes
  }

  /** Why writes fail right now (disk full, I/O error, closed), or undefined when the store can write. */
  writeFailure(): string | undefined {
    return this.failure?.message ?? (this.closed ? 'the store is closed' : undefined)
  }

  get meta(): StoreMeta {
    return this.doc.meta
  }

  apiKeys(): readonly ApiKeyRecord[] {
    return this.doc.api_keys
  }

  getApiKey(name: string): ApiKeyRecord | undefined {
    const at = this.keyPositions.get(name)
    return at === undefined ? undefined : this.doc.api_keys[at]
  }

  putApiKey(key: ApiKeyRecord): void {
    this.refuseWrite()
    upsert(this.doc.api_keys, this.keyPositions, key.name, key)
    this.docDirty = true
  }

  getMiner(minerId: string): MinerRecord | undefined {
    return this.minerRecords.get(minerId)
  }

  miners(): Iterable<MinerRecord> {
    return this.minerRecords.values()
  }

  putMiner(miner: MinerRecord): void {
    this.refuseWrite()
    this.minerRecords.set(miner.miner_id, miner)
    this.staleMiners.delete(miner.miner_id)
    this.queue('miners', miner)
  }

  touchMiner(minerId: string, lastSeen: string): void {
    const miner = this.getMiner(minerId)
    if (!miner) return
    this.minerRecords.set(minerId, {...miner, last_seen: lastSeen})
    this.staleMiners.add(minerId)
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

  listJobIds(query: JobQuery): string[] | undefined {
    return this.jobs.listIds(query)
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
    this.refuseWrite()
    this.jobs.put(job)
    this.queue('jobs', job, (at) => {
      this.jobs.written(job, at)
      this.recentJobs.add(at.offset, at.length, job)
    })
  }

  getReceipt(receiptId: string): ReceiptRecord | undefined {
    return this.receipts.get(receiptId)
  }

  listReceipts(query: ReceiptQuery): ReceiptRecord[] | undefined {
    return this.receipts.list(query, (minerId) => this.getMiner(minerId)?.principal)
  }

  receiptCount(): number {
    return this.receipts.size
  }

  putReceipt(receipt: ReceiptRecord): void {
    this.refuseWrite()
    this.receipts.add(receipt, this.getMiner(receipt.provider)?.principal)
    this.queue('receipts', receipt, (at) => this.receipts.written(receipt, at))
  }

  lastTransactionSeq(): number {
    return this.ledger.lastSeq
  }

  appendTransaction(tx: Transaction): void {
    this.refuseWrite()
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
    this.refuseWrite()
    this.ledger.appendBlock(block)
    this.queue('blocks', block)
  }

  commit(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    return this.groupCommit.request()
  }

  commitSoon(): void {
    if (this.soonTimer || this.closed) return
    this.soonTimer = setTimeout(() => {
      this.soonTimer = undefined
      // Failing, the store keeps the lines queued and retries (scheduleRetry).
      this.commit().catch(() => undefined)
    }, COMMIT_SOON_MS)
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.retryTimer)
    clearTimeout(this.soonTimer)
    try {
      if (!this.failure) {
        this.queueStaleMiners()
        await this.commit()
        // The next open then has nothing to replay.
        if (this.log.hasFlushes) await this.checkpoint()
        await this.writeHistoryIndex()
      }
    } finally {
      await this.closeFiles()
    }
  }

  /**
   * A change is refused while the store cannot write, and once it is closing: a change made while close()
   * flushed, checkpointed and wrote the history index raced them, and its flush could land in the log
   * that the checkpoint was replacing.
   */
  private refuseWrite(): void {
    if (this.failure) throw this.failure
    if (this.closed) throw new StoreUnavailableError('the store is closed')
  }

  private queue(name: History, record: unknown, written?: (at: LineAt) => void): void {
    // Serialised now, so the line is a snapshot of the record as it was written.
    this.pending.get(name)!.push({line: JsonLinesAppender.line(record), written})
  }

  private queueStaleMiners(): void {
    for (const minerId of this.staleMiners) this.queue('miners', this.minerRecords.get(minerId))
    this.staleMiners.clear()
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure
    try {
      await this.writeOut()
      this.flushes++
    } catch (error) {
      this.failure = new StoreUnavailableError(`writing the store failed: ${(error as Error).message}`, {cause: error})
      this.options.onWriteState?.(this.failure.message)
      this.scheduleRetry()
      throw this.failure
    }
  }

  /** Appends and syncs what is queued, then the document if it changed. On failure what is queued stays queued. */
  private async writeOut(): Promise<void> {
    // This flush takes everything queued: what commitSoon() waited for too.
    clearTimeout(this.soonTimer)
    this.soonTimer = undefined
    if (this.undo) await this.cutBack(this.undo)
    // Before writing, not after: a failed checkpoint then fails only writes nobody was told about yet.
    if (this.log.size >= this.checkpointBytes) await this.checkpoint()
    if (this.pending.get('miners')!.length) this.queueStaleMiners()
    const batches = HISTORY.map((name) => [name, this.pending.get(name)!.splice(0)] as const)
    const written = batches
      .filter(([, lines]) => lines.length)
      .map(([name, lines]) => [name, lines, Buffer.from(lines.map((pending) => pending.line).join(''), 'utf8')] as const)
    if (written.length) {
      const before = this.sizes()
      const after = {...before}
      for (const [name, , bytes] of written) after[STORE_FILES[name]] += bytes.length
      this.undo = {sizes: before, log: this.log.size}
      try {
        // One sync round: the flush log's record is the commit. The history files get the bytes only
        // after it is on disk, so they never hold bytes the log lacks (flush-log.ts).
        this.log.append(after, HISTORY.map((name) => written.find(([w]) => w === name)?.[2] ?? EMPTY))
        await this.log.sync()
        for (const [name, , bytes] of written) {
          this.appenders[name].append(bytes)
          this.unsyncedHistory += bytes.length
        }
      } catch (error) {
        // Put back in front of what was queued since, in order, for the retry.
        for (const [name, lines] of batches) this.pending.get(name)!.unshift(...lines)
        throw error
      }
      this.undo = undefined
      for (const [name, lines] of written) locate(before[STORE_FILES[name]], lines)
      this.presyncHistory()
    }
    if (this.docDirty) {
      this.docDirty = false
      try {
        await replaceFile(this.files, this.docFile, Buffer.from(JSON.stringify({...this.doc, miners: []}, null, 2), 'utf8'))
      } catch (error) {
        this.docDirty = true
        throw error
      }
    }
  }

  /** Cuts off what a failed flush left (the files shrink, so this works on a full disk too). */
  private async cutBack(undo: {sizes: Record<string, number>; log: number}): Promise<void> {
    // Every file: a write cut short may have left bytes its appender did not count.
    for (const name of HISTORY) await this.appenders[name].truncate(undo.sizes[STORE_FILES[name]])
    await this.log.truncate(undo.log)
    this.undo = undefined
  }

  private scheduleRetry(): void {
    if (this.closed) return
    this.retryTimer = setTimeout(() => {
      this.writeOut().then(
        () => {
          this.failure = undefined
          this.flushes++
          this.options.onWriteState?.(undefined)
        },
        () => this.scheduleRetry(),
      )
    }, this.retryWriteMs)
    // A coordinator shutting down does not wait for it.
    this.retryTimer.unref()
  }

  /** Starts a background sync of the history files once enough was appended since the last (see PRESYNC_PARTS). */
  private presyncHistory(): void {
    if (this.presync || this.unsyncedHistory < this.checkpointBytes / PRESYNC_PARTS) return
    this.unsyncedHistory = 0
    const syncing = Promise.all(HISTORY.map((name) => this.appenders[name].sync())).then(() => {
      if (this.presync === syncing) this.presync = undefined
    })
    // A failure is kept for the checkpoint, which fails with it (it must not empty the log over files
    // that may have lost bytes); it is not an unhandled rejection meanwhile.
    syncing.catch(() => undefined)
    this.presync = syncing
  }

  /** Syncs the history files, then empties the flush log down to a line with their sizes. */
  private async checkpoint(): Promise<void> {
    const presync = this.presync
    this.presync = undefined
    await presync
    this.unsyncedHistory = 0
    await Promise.all(HISTORY.map((name) => this.appenders[name].sync()))
    await this.log.checkpoint(this.sizes())
  }

  /**
   * Writes the history index for the files as they now are, unless the one on disk already describes
   * them or some record is not yet on disk. Only a cache: if writing it fails, the next open parses.
   */
  private async writeHistoryIndex(): Promise<void> {
    const states = Object.fromEntries(INDEXED.map((name) => [name, this.appenders[name].state])) as Record<Indexed, FileState | undefined>
    if (INDEXED.some((name) => !states[name])) return
    const files = states as Record<Indexed, FileState>
    if (this.indexed && INDEXED.every((name) => sameState(files[name], this.indexed![name]))) return
    const jobs = this.jobs.section()
    const receipts = this.receipts.section()
    const transactions = this.ledger.lineLengths()
    if (!jobs || !receipts || !transactions) return
    try {
      await replaceFile(this.files, path.join(path.dirname(this.docFile), HISTORY_INDEX_FILE), encodeHistoryIndex({files, jobs, receipts, transactions}))
      this.indexed = files
    } catch {
      // The index that was there (if any) is still whole and still checked against the files.
    }
  }

  /** Each history file's size, by file name: what the flush log records. */
  private sizes(): Record<string, number> {
    return Object.fromEntries(HISTORY.map((name) => [STORE_FILES[name], this.appenders[name].size]))
  }

  /**
   * Loads the history: each file up to the checkpoint, then the flushes the log holds after it, as if
   * the file held them (whatever of them the file has is not read: it may be torn). Only once all of it
   * has loaded are the files rewritten from the log and checkpointed, so a refusal changes nothing.
   */
  private async loadHistory(dir: string, {checkpoint, flushes}: LogContents): Promise<void> {
    checkFileSizes(this.log.file, dir, LOGGED, this.sizes(), checkpoint, flushes.at(-1)?.sizes ?? checkpoint)
    const added = (name: History) => Buffer.concat(flushes.map((flush) => flush.added[STORE_FILES[name]]))
    // An index is written after its files were checkpointed: one past the checkpoint is not of these files.
    const index = await this.readHistoryIndex(dir)
    const usable = index && INDEXED.every((name) => index.files[name].bytes <= checkpoint[STORE_FILES[name]]) ? index : undefined
    // Close rewrites it unless it describes the files (by size, lines and crc) as they are then.
    this.indexed = index?.files
    const read = await this.readHistory(dir, (name) => ({replay: {fileBytes: checkpoint[STORE_FILES[name]], then: added(name)}}), usable)
    if (this.log.hasFlushes) {
      for (const name of HISTORY) {
        await this.appenders[name].truncate(checkpoint[STORE_FILES[name]])
        this.appenders[name].append(added(name))
      }
      await this.checkpoint()
    }
    // The files now hold exactly what was read.
    for (const name of HISTORY) this.appenders[name].readWhole(read[name])
  }

  /** The history index, or undefined when there is none or it cannot be used (the history is then parsed). */
  private async readHistoryIndex(dir: string): Promise<HistoryIndex | undefined> {
    let bytes: Buffer
    try {
      bytes = await this.files.readFile(path.join(dir, HISTORY_INDEX_FILE))
    } catch {
      // Missing (a store from before it, or never closed), or unreadable: it is written again at close.
      return undefined
    }
    const index = decodeHistoryIndex(bytes)
    return typeof index === 'string' ? undefined : index
  }

  /**
   * Loads a store whose commit log predates the flush log (legacy-commit-log.ts): what a flush cut short
   * by a crash left (whole records, one incomplete line) is checked, not loaded, then cut off; a store
   * from before any commit log is read whole. The checkpoint that follows migrates the log.
   */
  private async loadLegacyHistory(dir: string): Promise<void> {
    const legacy = await LegacyCommitLog.open(this.files, this.log.file, LOGGED, ADDED_LATER)
    try {
      const keep = legacy.isEmpty ? undefined : legacy.recover(this.sizes(), dir)
      const checks: Record<History, (value: unknown) => unknown> = {miners: asMiner, blocks: asBlock, jobs: asJob, receipts: asReceipt, transactions: asTransaction}
      const read = await this.readHistory(dir, (name) => ({uncommitted: keep && {committedBytes: keep[STORE_FILES[name]], check: checks[name]}}))
      for (const name of HISTORY) {
        const size = keep?.[STORE_FILES[name]]
        if (size !== undefined && this.appenders[name].size > size) await this.appenders[name].truncate(size)
        // Known only for a file that was read to its end and kept whole.
        this.appenders[name].readWhole(read[name])
      }
    } finally {
      await legacy.close()
    }
    await this.checkpoint()
  }

  /**
   * Reads every history file into the indexes, in the order they depend on each other; with `index`, the
   * bytes of a file it was made from (if the file still has them, by crc) are loaded from it instead of
   * parsed. Returns what was read of each file.
   */
  private async readHistory(dir: string, optionsFor: (name: History) => ReadOptions, index?: HistoryIndex): Promise<Record<History, FileState>> {
    const file = (name: History) => path.join(dir, STORE_FILES[name])
    const read = (name: History, onRecord: (value: unknown, at: LineAt) => void, options: ReadOptions, restore?: () => void): Promise<FileState> => {
      const indexed = restore && index?.files[name as Indexed]
      // The index's entries only for bytes the file still holds (by crc); otherwise the file is parsed from its start.
      if (!indexed || this.appenders[name].checksum(indexed.bytes) !== indexed.crc) return readJsonLines(this.files, file(name), onRecord, options)
      restore()
      this.fromIndex.push(name as Indexed)
      return readJsonLines(this.files, file(name), onRecord, {...options, after: indexed})
    }
    const miners = await read('miners', (value) => {
      const miner = asMiner(value)
      this.minerRecords.set(miner.miner_id, miner)
    }, optionsFor('miners'))
    // Blocks first: the transactions they seal are only located, not parsed (the bulk of the history).
    const blocks = await read('blocks', (value) => this.ledger.loadBlock(asBlock(value)), optionsFor('blocks'))
    if (!this.ledger.head) throw corrupt(file('blocks'), 1, 'no genesis block')
    const jobs = await read('jobs', (value, at) => {
      const job = asJob(value)
      this.jobs.put(job)
      this.jobs.written(job, at)
    }, optionsFor('jobs'), () => this.jobs.restore(index!.jobs))
    const principalOf = (minerId: string) => this.getMiner(minerId)?.principal
    const receipts = await read('receipts', (value, at) => {
      const receipt = asReceipt(value)
      this.receipts.add(receipt, principalOf(receipt.provider))
      this.receipts.written(receipt, at)
    }, optionsFor('receipts'), () => this.receipts.restore(index!.receipts, principalOf))
    const transactions = await read('transactions', (value, at) => {
      this.ledger.appendTransaction(asTransaction(value))
      this.ledger.located(at)
    }, {...optionsFor('transactions'), unparsedLines: this.ledger.sealedCount, onUnparsed: (at) => this.ledger.appendSealed(at)}, () => this.restoreTransactions(index!.transactions, file('transactions')))
    if (this.ledger.sealedCount > this.ledger.lastSeq) {
      throw new StoreCorruptError(`${file('blocks')}: the blocks seal ${this.ledger.sealedCount} transactions, but ${file('transactions')} holds ${this.ledger.lastSeq}`)
    }
    return {miners, blocks, jobs, receipts, transactions}
  }

  /** The transactions the history index places: sealed ones located, the unsealed rest read back (they stay in memory). */
  private restoreTransactions(lengths: number[], file: string): void {
    const sealed = Math.min(this.ledger.sealedCount, lengths.length)
    let offset = this.ledger.restoreSealed(sealed === lengths.length ? lengths : lengths.slice(0, sealed))
    for (let i = sealed; i < lengths.length; i++) {
      const at = {offset, length: lengths[i]}
      offset += lengths[i] + 1
      try {
        this.ledger.appendTransaction(asTransaction(this.appenders.transactions.read(at)))
      } catch (error) {
        throw error instanceof StoreCorruptError ? error : corrupt(file, i + 1, (error as Error).message)
      }
      this.ledger.located(at)
    }
  }

  private async closeFiles(): Promise<void> {
    // Not while a background sync still uses them.
    await this.presync?.catch(() => undefined)
    await Promise.all([...HISTORY.map((name) => this.appenders[name].close()), this.log.close()].map((closing) => closing.catch(() => undefined)))
  }
}

async function openAppenders(files: FileLayer, dir: string): Promise<Record<History, JsonLinesAppender>> {
  const entries = await Promise.all(HISTORY.map(async (name) => [name, await JsonLinesAppender.open(files, path.join(dir, STORE_FILES[name]))] as const))
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

function sameState(a: FileState, b: FileState): boolean {
  return a.bytes === b.bytes && a.lines === b.lines && a.crc === b.crc
}

function upsert<T>(list: T[], positions: Map<string, number>, id: string, value: T): void {
  const at = positions.get(id)
  if (at === undefined) positions.set(id, list.push(value) - 1)
  else list[at] = value
}
