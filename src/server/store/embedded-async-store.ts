// Today's embedded store (store.ts, reads from memory) behind the asynchronous interface. Each atomic
// operation reads, decides and writes without an await in between, which is what makes it atomic in
// one Node process; then it waits for the commit, and only then tells subscribers.
//
// Except a claim (a job moving from pending to running): it is answered once it is queued, without
// waiting for it to be on disk, and asks for no flush of its own: it goes with the next flush another
// write asks for (commitSoon(); on its own after lowdb-store.ts's COMMIT_SOON_MS if none does), most
// often its miner's completion, which then writes both in one sync. What a crash can lose is then only a
// lease, and a lost lease means the job is offered again, which a lease running out already means: the
// restarted store has the job pending, so the miner that held the lease is refused when it completes or
// fails (it is not the holder), and the job completes once, with one receipt. A completion still waits
// for its flush, and flushes reach the disk in order, so a completion on disk always has its claim on
// disk before it (or in the same flush).
import type {Transaction} from '../../protocol/ledger.js'
import {AlwaysLeader} from './always-leader.js'
import type {JobStatus} from '../../protocol/job-states.js'
import type {
  Admission,
  AsyncStore,
  BlockBuilder,
  JobChanged,
  JobChanger,
  Leadership,
  MinerChange,
  StoreEvent,
  TransactionDraft,
} from './async-store.js'
import {numberTransactions} from './numbered-transactions.js'
import type {ApiKeyRecord, BlockRecord, JobRecord, LedgerTransaction, MinerRecord, ReceiptRecord, StoreMeta} from './records.js'
import type {JobQuery, ReceiptQuery, Store} from './store.js'

export class EmbeddedAsyncStore implements AsyncStore {
  private readonly listeners = new Set<(event: StoreEvent) => void>()

  constructor(private readonly store: Store) {}

  /** The synchronous store underneath (benches and tests that write history by hand). */
  get embedded(): Store {
    return this.store
  }

  get meta(): StoreMeta {
    return this.store.meta
  }

  async apiKeys(): Promise<ApiKeyRecord[]> {
    return [...this.store.apiKeys()]
  }

  async getApiKey(name: string): Promise<ApiKeyRecord | undefined> {
    return this.store.getApiKey(name)
  }

  async changeApiKeys(change: (keys: readonly ApiKeyRecord[]) => readonly ApiKeyRecord[]): Promise<ApiKeyRecord[]> {
    const written = [...change(this.store.apiKeys())]
    if (!written.length) return written
    for (const key of written) this.store.putApiKey(key)
    await this.store.commit()
    if (written.length) this.emit({kind: 'api_keys_changed'})
    return written
  }

  async getMiner(minerId: string): Promise<MinerRecord | undefined> {
    return this.store.getMiner(minerId)
  }

  async changeMiner(
    minerId: string,
    change: (existing: MinerRecord | undefined, minersOfPrincipal?: number) => MinerChange,
    countFor?: string,
  ): Promise<MinerRecord | undefined> {
    const existing = this.store.getMiner(minerId)
    const owned = !existing && countFor !== undefined ? this.minersOf(countFor).length : undefined
    const {miner, transactions = []} = change(existing, owned)
    if (miner && miner.miner_id !== minerId) throw new Error(`a change of miner ${minerId} returned miner ${miner.miner_id}`)
    if (miner) this.store.putMiner(miner)
    this.append(transactions)
    await this.store.commit()
    return miner ?? existing
  }

  async listMiners(query: {principal?: string}): Promise<MinerRecord[]> {
    return query.principal === undefined ? [...this.store.miners()] : this.minersOf(query.principal)
  }

  touchMiner(minerId: string, lastSeen: string): void {
    this.store.touchMiner(minerId, lastSeen)
  }

  async countActiveMiners(since: string): Promise<number> {
    const from = Date.parse(since)
    let active = 0
    for (const miner of this.store.miners()) if (Date.parse(miner.last_seen) >= from) active++
    return active
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    return this.store.getJob(jobId)
  }

  async listJobs(query: JobQuery): Promise<JobRecord[]> {
    return this.store.listJobs(query)
  }

  async listJobIds(query: JobQuery): Promise<string[] | undefined> {
    return this.store.listJobIds(query)
  }

  async jobCount(): Promise<number> {
    return this.store.jobCount()
  }

  async countJobs(query: {client?: string; status?: JobStatus}): Promise<number> {
    return this.store.countJobs(query)
  }

  async pendingPromptBytes(): Promise<number> {
    return this.store.pendingPromptBytes()
  }

  async submitJob(job: JobRecord, transactions: readonly TransactionDraft[], admit?: Admission): Promise<{job: JobRecord; replayed: boolean}> {
    const earlier = job.idempotency && this.store.jobByIdempotencyKey(job.client, job.idempotency.key)
    if (earlier) {
      // The first submit may still be on its way to disk: answer the retry only once it is there.
      await this.store.commit()
      return {job: earlier, replayed: true}
    }
    admit?.({pendingOfClient: this.store.countJobs({client: job.client, status: 'pending'}), queuedPromptBytes: this.store.pendingPromptBytes()})
    this.store.putJob(job)
    this.append(transactions)
    await this.store.commit()
    this.emit({kind: 'job_pending', model: job.model})
    return {job, replayed: false}
  }

  async changeJob(jobId: string, change: JobChanger): Promise<JobChanged | undefined> {
    const job = this.store.getJob(jobId)
    return job && this.apply(job, change)
  }

  async claimNextJob(query: {models: readonly string[]; exclude?: readonly string[]}, change: JobChanger): Promise<JobChanged | undefined> {
    const job = this.oldestPending(query.models, query.exclude)
    return job && this.apply(job, change)
  }

  async oldestPendingJob(models: readonly string[], exclude?: readonly string[]): Promise<JobRecord | undefined> {
    return this.oldestPending(models, exclude)
  }

  async sweepLeases(now: Date, change: JobChanger): Promise<number> {
    const expired = this.store.runningJobs().filter((job) => job.lease_expires_at !== undefined && Date.parse(job.lease_expires_at) <= now.getTime())
    const pending: JobRecord[] = []
    for (const job of expired) {
      const next = this.write(job, change(job)).job
      if (next.status === 'pending') pending.push(next)
    }
    if (expired.length) await this.store.commit()
    for (const job of pending) this.emit({kind: 'job_pending', model: job.model})
    return expired.length
  }

  async getReceipt(receiptId: string): Promise<ReceiptRecord | undefined> {
    return this.store.getReceipt(receiptId)
  }

  async listReceipts(query: ReceiptQuery): Promise<ReceiptRecord[] | undefined> {
    return this.store.listReceipts(query)
  }

  async receiptCount(): Promise<number> {
    return this.store.receiptCount()
  }

  async appendTransactions(transactions: readonly TransactionDraft[]): Promise<Transaction[]> {
    const appended = this.append(transactions)
    await this.store.commit()
    return appended
  }

  async lastTransactionSeq(): Promise<number> {
    return this.store.lastTransactionSeq()
  }

  async recentTransactions(limit: number): Promise<LedgerTransaction[]> {
    return this.store.recentTransactions(limit)
  }

  async blockTransactions(height: number, page?: {offset: number; limit: number}): Promise<LedgerTransaction[] | undefined> {
    // The ledger reads only the page's range: a page of a 6,000-transaction block costs a page.
    return this.store.blockTransactions(height, page)
  }

  async headBlock(): Promise<BlockRecord | undefined> {
    return this.store.headBlock()
  }

  async getBlock(height: number): Promise<BlockRecord | undefined> {
    return this.store.getBlock(height)
  }

  async listBlocks(query: {limit: number; before?: number}): Promise<BlockRecord[]> {
    return this.store.listBlocks(query)
  }

  async sealBlock(leadership: Leadership, build: BlockBuilder, max = Infinity): Promise<BlockRecord | undefined> {
    if (!leadership.isLeader) return undefined
    const head = this.store.headBlock()
    const transactions = this.store.unsealedTransactions().slice(0, max)
    if (head && transactions.length === 0) return undefined
    const block = build(head && {height: head.height, hash: head.hash}, transactions)
    this.store.appendBlock(block)
    await this.store.commit()
    return block
  }

  leadBlockSealing(): Leadership {
    return new AlwaysLeader()
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  writeFailure(): string | undefined {
    return this.store.writeFailure()
  }

  close(): Promise<void> {
    this.listeners.clear()
    return this.store.close()
  }

  private minersOf(principal: string): MinerRecord[] {
    return [...this.store.miners()].filter((miner) => miner.principal === principal)
  }

  private oldestPending(models: readonly string[], exclude: readonly string[] = []): JobRecord | undefined {
    const skip = new Set(exclude)
    return this.store.oldestPendingJob(models, skip.size ? (jobId) => skip.has(jobId) : undefined)
  }

  private async apply(job: JobRecord, change: JobChanger): Promise<JobChanged> {
    const decided = change(job)
    const changed = this.write(job, decided)
    // A change that writes nothing (a refused claim, say) has nothing to wait for: no flush.
    if (!decided.job && !decided.receipt && !decided.transactions?.length) return changed
    if (isLeaseGrant(job, decided)) {
      // Written with the next flush, most often the miner's completion's (see the top of the file).
      this.store.commitSoon()
      return changed
    }
    await this.store.commit()
    if (changed.job.status === 'pending' && job.status !== 'pending') this.emit({kind: 'job_pending', model: changed.job.model})
    return changed
  }

  /** Writes a decided change to memory (synchronously: the caller's read and this write are one step). */
  private write(job: JobRecord, {job: next, receipt, transactions = []}: ReturnType<JobChanger>): JobChanged {
    if (next && next.job_id !== job.job_id) throw new Error(`a change of job ${job.job_id} returned job ${next.job_id}`)
    if (receipt) this.store.putReceipt(receipt)
    if (next) this.store.putJob(next)
    return {job: next ?? job, transactions: this.append(transactions)}
  }

  private append(drafts: readonly TransactionDraft[]): Transaction[] {
    const transactions = numberTransactions(this.store.lastTransactionSeq() + 1, drafts)
    for (const tx of transactions) this.store.appendTransaction(tx)
    return transactions
  }

  private emit(event: StoreEvent): void {
    for (const listener of this.listeners) listener(event)
  }
}

/** A claim: the job moves from pending to running, nothing else is issued. */
function isLeaseGrant(job: JobRecord, decided: ReturnType<JobChanger>): boolean {
  return job.status === 'pending' && decided.job?.status === 'running' && !decided.receipt
}
