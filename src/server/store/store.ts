// The storage interface the coordinator is written against. Reads are synchronous and served from
// memory; writes change memory at once and become durable with `commit()`. Another store (SQLite, a
// remote database) can replace the lowdb one by implementing this.
import type {JobStatus} from '../../protocol/job-states.js'
import type {Transaction} from '../../protocol/ledger.js'
import type {
  ApiKeyRecord,
  BlockRecord,
  JobRecord,
  LedgerTransaction,
  MinerRecord,
  ReceiptRecord,
  StoreMeta,
} from './records.js'

export interface Page {
  limit: number
  offset: number
}

export interface JobQuery extends Page {
  client?: string
  status?: JobStatus
  /**
   * Only jobs submitted before this one (by submit order, not id or time: ids made in the same
   * millisecond are not in submit order), whatever its status now; `offset` then counts from it. It must
   * be a job of `client` when the query names one.
   */
  before?: string
}

export interface ReceiptQuery extends Page {
  client?: string
  /** A miner_id. */
  provider?: string
  /** The principal that owns the providing miner. */
  providerPrincipal?: string
  /**
   * Only receipts issued before this one (by issue order, not id or time: ids made in the same
   * millisecond are not in issue order); `offset` then counts from it. It must be a receipt the query's
   * filters select: a receipt never changes, so the last of a page always is.
   */
  before?: string
}

export interface Store {
  readonly meta: StoreMeta

  apiKeys(): readonly ApiKeyRecord[]
  getApiKey(name: string): ApiKeyRecord | undefined
  putApiKey(key: ApiKeyRecord): void

  getMiner(minerId: string): MinerRecord | undefined
  miners(): Iterable<MinerRecord>
  putMiner(miner: MinerRecord): void
  /** Records a miner's liveness without a write of its own: it is saved with the next write that changes
   * keys or miners, or at close. Losing it in a crash only makes a miner look idle for a while. */
  touchMiner(minerId: string, lastSeen: string): void

  getJob(jobId: string): JobRecord | undefined
  jobByIdempotencyKey(client: string, key: string): JobRecord | undefined
  /** Newest first, from `before` as listJobIds pages (nothing when it names no job of the query's client). */
  listJobs(query: JobQuery): JobRecord[]
  /** The ids listJobs would list, without reading the jobs; undefined when `before` names no job of the query's client. */
  listJobIds(query: JobQuery): string[] | undefined
  /** The pending job submitted first among the given models, passing over those `skip` rejects. */
  oldestPendingJob(models: Iterable<string>, skip?: (jobId: string) => boolean): JobRecord | undefined
  runningJobs(): JobRecord[]
  jobCount(): number
  /** Jobs matching the query (without paging). */
  countJobs(query: {client?: string; status?: JobStatus}): number
  /** UTF-8 bytes of the prompts of all pending jobs together. */
  pendingPromptBytes(): number
  putJob(job: JobRecord): void

  getReceipt(receiptId: string): ReceiptRecord | undefined
  /** Newest first; undefined when `before` names no receipt the query selects. */
  listReceipts(query: ReceiptQuery): ReceiptRecord[] | undefined
  receiptCount(): number
  putReceipt(receipt: ReceiptRecord): void

  /** The seq of the last transaction, 0 when there is none. */
  lastTransactionSeq(): number
  /** Must carry seq lastTransactionSeq() + 1. */
  appendTransaction(tx: Transaction): void
  /** Transactions no block has sealed yet, oldest first. */
  unsealedTransactions(): Transaction[]
  /** Newest first. */
  recentTransactions(limit: number): LedgerTransaction[]
  /** The block's transactions in order, or the page of them `page` asks for. */
  blockTransactions(height: number, page?: Page): LedgerTransaction[] | undefined
  headBlock(): BlockRecord | undefined
  getBlock(height: number): BlockRecord | undefined
  /** Newest first; `before` keeps only heights below it. */
  listBlocks(query: {limit: number; before?: number}): BlockRecord[]
  /** Seals the oldest `block.transactions` unsealed transactions; height must follow the head. */
  appendBlock(block: BlockRecord): void

  /** Why writes fail right now (disk full, I/O error, closed), or undefined while the store can write. */
  writeFailure(): string | undefined

  /** Resolves when every write made before the call is on disk. Concurrent calls share one flush. */
  commit(): Promise<void>
  /**
   * For writes nobody waits for: they go to disk with the next flush a commit() asks for, or on their own
   * shortly after if none does; a failure is that flush's (kept queued, retried, `writeFailure()`).
   */
  commitSoon(): void
  /** Flushes what is pending and releases files. */
  close(): Promise<void>
}
