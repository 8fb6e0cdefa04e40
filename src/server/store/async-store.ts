// The store interface the coordinator moves to so that it can run on PostgreSQL, several replicas on
// one database (docs/postgres.md). Every read and write returns a Promise. What must be atomic is one
// call: the service passes a pure function that decides the change (the job state machine, a receipt,
// the ledger records) and the store applies it under the right lock: a row lock, SKIP LOCKED for
// picking work, a counter row for gap-free ledger numbers. A function that throws leaves nothing
// written. Nothing here knows the business rules; the services keep them.
import type {JobStatus} from '../../protocol/job-states.js'
import type {TransactionType, Transaction} from '../../protocol/ledger.js'
import type {ApiKeyRecord, BlockRecord, JobRecord, LedgerTransaction, MinerRecord, ReceiptRecord, StoreMeta} from './records.js'
import type {JobQuery, ReceiptQuery} from './store.js'

/** A ledger record as a service writes it; the store gives it its seq and hash when it is appended. */
export interface TransactionDraft {
  type: TransactionType
  timestamp: string
  data: Record<string, unknown>
}

/**
 * What a change function decided for a job. Omit `job` to leave the job as it is (the transactions and
 * receipt are still written); a returned job keeps its job_id. `receipt` must be new.
 */
export interface JobChange {
  job?: JobRecord
  receipt?: ReceiptRecord
  transactions?: readonly TransactionDraft[]
}

/** Decides a job's change from its current version; runs inside the store's lock, so keep it pure. */
export type JobChanger = (job: JobRecord) => JobChange

export interface JobChanged {
  /** The job's version after the change (the one it had if the change left it alone). */
  job: JobRecord
  /** The ledger transactions appended, with their seq and hash. */
  transactions: Transaction[]
}

/** What a submit's admission check sees, counted under the lock that guards the insert. */
export interface QueueCounts {
  /** Pending jobs of the submitting client. */
  pendingOfClient: number
  /** UTF-8 bytes of the prompts of every pending job together. */
  queuedPromptBytes: number
}

/** Decides whether a new job may join the queue; throws to refuse it (nothing is written then). */
export type Admission = (counts: QueueCounts) => void

export interface MinerChange {
  miner?: MinerRecord
  transactions?: readonly TransactionDraft[]
}

/** Something another replica (or this one) committed that a waiting request may care about. */
export type StoreEvent =
  /** A job for `model` became pending (submitted, or requeued): wake a long poll for it. */
  | {kind: 'job_pending'; model: string}
  /** A key was created or revoked: drop cached keys (revocation takes effect at once). */
  | {kind: 'api_keys_changed'}
  /** Events may have been missed (the connection carrying them was lost and is back): check again. */
  | {kind: 'resync'}

/** Builds the next block from the head and the transactions it seals (src/protocol/ledger.ts sealBlock). */
export type BlockBuilder = (previous: {height: number; hash: string} | undefined, transactions: readonly Transaction[]) => BlockRecord

/**
 * Leadership of a task that exactly one replica does at a time (sealing blocks). The embedded store's
 * process is always the leader (it holds the data directory alone); PostgreSQL elects one with a
 * session advisory lock that the server frees when the holder's connection dies.
 */
export interface Leadership {
  readonly isLeader: boolean
  /** Called on every gain or loss; returns the unsubscribe. */
  onChange(listener: (isLeader: boolean) => void): () => void
  /** Stops trying and gives up the lead if held. */
  release(): Promise<void>
}

export interface AsyncStore {
  readonly meta: StoreMeta

  /** Every key, revoked ones too (small: keys are made by admins). */
  apiKeys(): Promise<ApiKeyRecord[]>
  getApiKey(name: string): Promise<ApiKeyRecord | undefined>
  /**
   * Changes keys atomically against every other key change on any replica: `change` sees all keys and
   * returns those to write (new or replaced). Names are unique; the services keep them never reused.
   */
  changeApiKeys(change: (keys: readonly ApiKeyRecord[]) => readonly ApiKeyRecord[]): Promise<ApiKeyRecord[]>

  getMiner(minerId: string): Promise<MinerRecord | undefined>
  /**
   * Registers or updates one miner atomically (two principals racing for one miner_id: one wins). With
   * `countFor`, a change of a miner not yet registered is also given how many miners that principal
   * has, counted under a lock on the principal, so replicas registering at once cannot pass a cap.
   */
  changeMiner(
    minerId: string,
    change: (existing: MinerRecord | undefined, minersOfPrincipal?: number) => MinerChange,
    countFor?: string,
  ): Promise<MinerRecord | undefined>
  /** The miners a principal registered (every miner without `principal`), in no particular order. */
  listMiners(query: {principal?: string}): Promise<MinerRecord[]>
  /** Liveness without a write of its own: may be written late (a miner then looks idle for a while). */
  touchMiner(minerId: string, lastSeen: string): void
  /** Miners whose last_seen is at or after `since` (ISO time). */
  countActiveMiners(since: string): Promise<number>

  getJob(jobId: string): Promise<JobRecord | undefined>
  /** Newest first, from `before` as listJobIds pages (nothing when it names no job of the query's client). */
  listJobs(query: JobQuery): Promise<JobRecord[]>
  /**
   * The ids listJobs would list, as they are at one moment, without reading the jobs: a page read job
   * by job from them is not shifted by jobs submitted (or changing status) while it is read. Undefined
   * when `before` names no job of the query's client (one that does not exist, or another client's).
   */
  listJobIds(query: JobQuery): Promise<string[] | undefined>
  jobCount(): Promise<number>
  /** Jobs matching the query (without paging). */
  countJobs(query: {client?: string; status?: JobStatus}): Promise<number>
  /** UTF-8 bytes of the prompts of all pending jobs together. */
  pendingPromptBytes(): Promise<number>
  /**
   * Adds a new job and its ledger records. With `job.idempotency`, a job already submitted by the same
   * client under the same key is returned instead (`replayed`), and nothing is written, whichever
   * replica took the first submit. `admit` (not called for a replay) sees the queue as it is, under a
   * lock every admitting submit takes, so replicas admitting at once cannot overrun a cap.
   */
  submitJob(job: JobRecord, transactions: readonly TransactionDraft[], admit?: Admission): Promise<{job: JobRecord; replayed: boolean}>
  /** Changes one job under its row lock; undefined when there is no such job. */
  changeJob(jobId: string, change: JobChanger): Promise<JobChanged | undefined>
  /**
   * Claim-next: takes the oldest pending job among `models` that no other claim is taking right now
   * (FOR UPDATE SKIP LOCKED) and not in `exclude`, and changes it. However many callers race, on
   * however many replicas, each job goes to exactly one of them.
   */
  claimNextJob(query: {models: readonly string[]; exclude?: readonly string[]}, change: JobChanger): Promise<JobChanged | undefined>
  /** The oldest pending job among `models`, not in `exclude`; a read, no lock (the offer path). */
  oldestPendingJob(models: readonly string[], exclude?: readonly string[]): Promise<JobRecord | undefined>
  /**
   * Changes every running job whose lease ends at or before `now`. Replicas sweeping at once split
   * the expired jobs between them (SKIP LOCKED); returns how many this call changed.
   */
  sweepLeases(now: Date, change: JobChanger): Promise<number>

  getReceipt(receiptId: string): Promise<ReceiptRecord | undefined>
  /**
   * Newest first (issue order). Undefined when `before` names no receipt the query's filters select
   * (one that does not exist, or another client's, provider's or principal's): not told apart.
   */
  listReceipts(query: ReceiptQuery): Promise<ReceiptRecord[] | undefined>
  receiptCount(): Promise<number>

  /** Appends ledger records with the next seqs, without gaps or repeats across replicas. */
  appendTransactions(transactions: readonly TransactionDraft[]): Promise<Transaction[]>
  /** The seq of the last transaction, 0 when there is none. */
  lastTransactionSeq(): Promise<number>
  /** Newest first. */
  recentTransactions(limit: number): Promise<LedgerTransaction[]>
  /** Oldest first; undefined when there is no such block. */
  blockTransactions(height: number, page?: {offset: number; limit: number}): Promise<LedgerTransaction[] | undefined>
  headBlock(): Promise<BlockRecord | undefined>
  getBlock(height: number): Promise<BlockRecord | undefined>
  /** Newest first; `before` keeps only heights below it. */
  listBlocks(query: {limit: number; before?: number}): Promise<BlockRecord[]>
  /**
   * Seals up to `max` of the oldest unsealed transactions into the next block (the genesis block when
   * there is no block yet). Refused (undefined) unless `leadership` leads; undefined too when there is
   * nothing to seal. Two sealers can never fork the chain: the height is unique.
   */
  sealBlock(leadership: Leadership, build: BlockBuilder, max?: number): Promise<BlockRecord | undefined>

  /** Leadership of block sealing among the replicas; each call is one contender. */
  leadBlockSealing(): Leadership
  /** Events committed on any replica sharing the store; returns the unsubscribe. */
  subscribe(listener: (event: StoreEvent) => void): () => void

  /** Why writes fail right now (disk full, I/O error), or undefined while they work; what /health reports. */
  writeFailure(): string | undefined

  /** Flushes what is buffered (miner liveness) and releases connections or files. */
  close(): Promise<void>
}
