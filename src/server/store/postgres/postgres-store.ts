// The PostgreSQL store: the asynchronous store interface on one database that several coordinators
// share. Atomic operations are single transactions: a row lock (FOR UPDATE) to change a job, SKIP
// LOCKED to pick work nobody else is taking, a unique index for idempotency keys, the one-row ledger
// head for gap-free seqs, an advisory-lock leader with fencing for sealing. Events go out with NOTIFY
// in the same transaction. See docs/postgres.md.
//
// Driver: `pg` (node-postgres). It gives plain checked-out connections, which a session advisory lock
// and LISTEN need (one connection each for their whole life) and a transaction needs (BEGIN ... COMMIT
// on one client); it is what pg-boss and graphile-worker, the queue designs this follows, are built on;
// pure JavaScript on Node 20 with no native build; and the driver PostgreSQL-compatible servers
// (CockroachDB, managed Postgres) document for Node.
import pg from 'pg'

import type {Transaction} from '../../../protocol/ledger.js'
import type {JobStatus} from '../../../protocol/job-states.js'
import type {
  Admission,
  AsyncStore,
  BlockBuilder,
  JobChange,
  JobChanged,
  JobChanger,
  Leadership,
  MinerChange,
  StoreEvent,
  TransactionDraft,
} from '../async-store.js'
import {numberTransactions} from '../numbered-transactions.js'
import type {ApiKeyRecord, BlockRecord, JobRecord, LedgerTransaction, MinerRecord, ReceiptRecord, StoreMeta} from '../records.js'
import type {JobQuery, ReceiptQuery} from '../store.js'
import {StoreCorruptError} from '../store-errors.js'
import {AdvisoryLeadership} from './advisory-leadership.js'
import {DatabaseStateError} from './errors.js'
import {Conditions, type CursorPage, cursorStatement, type Listing, pageStatement} from './newest-first.js'
import {EventChannel} from './event-channel.js'
import {HistorySink} from './history-import.js'
import {lockKey} from './lock-keys.js'
import {migrate} from './migrations.js'
import {Reachability} from './reachability.js'
import {WriteStatement} from './write-statement.js'

export interface PostgresStoreOptions {
  /** postgres://user@host:port/database (libpq's URL form). */
  connectionString: string
  /** The schema holding this coordinator's tables (created if missing); default `public`. */
  schema?: string
  /** Connections in the pool for requests; default 10. */
  poolSize?: number
  /** How often a replica that does not lead tries to take the lead, and a lost connection is retried (ms); default 1000. */
  retryMs?: number
  /**
   * How long the block sealer's connection may be silent before PostgreSQL ends it and another replica
   * may take the lead (ms); default 5000. A stopped, starved or cut-off sealer is replaced within about this.
   */
  leaderLeaseMs?: number
  /**
   * How long a transaction may wait for this replica's next statement before PostgreSQL ends it (ms);
   * default 10000: a replica that stops mid-transaction does not hold its row locks (or the ledger
   * head's, which every write takes) for longer.
   */
  transactionIdleMs?: number
  /** How often buffered miner liveness is written (ms); default 1000. */
  touchFlushMs?: number
  log?: (message: string) => void
}

export {DatabaseStateError}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,40}$/
/** How long opening a connection may take when the URL gives no `connect_timeout` (libpq's, in seconds). */
const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10
/** Expired leases changed per transaction: a sweep loops until none are left. */
const SWEEP_BATCH = 100
export const DEFAULT_LEADER_LEASE_MS = 5000
export const DEFAULT_TRANSACTION_IDLE_MS = 10_000

type Row<T> = {record: T}

export class PostgresStore implements AsyncStore {
  private readonly touches = new Map<string, string>()
  private readonly touchTimer: NodeJS.Timeout
  private readonly leaderships = new Set<AdvisoryLeadership>()
  private touchFlush: Promise<void> = Promise.resolve()
  private readonly reachability: Reachability

  private constructor(
    private readonly pool: pg.Pool,
    private readonly events: EventChannel,
    private readonly clientConfig: pg.ClientConfig,
    private readonly schema: string,
    readonly meta: StoreMeta,
    private readonly options: Required<Pick<PostgresStoreOptions, 'retryMs' | 'leaderLeaseMs' | 'touchFlushMs' | 'log'>>,
  ) {
    this.touchTimer = setInterval(() => void this.flushTouches(), options.touchFlushMs).unref()
    this.reachability = new Reachability(() => pool.query('SELECT 1'), options.retryMs, options.log)
  }

  /** Creates the schema (migrations) and the store's metadata; refuses a database already initialised. */
  static async create(options: PostgresStoreOptions, meta: StoreMeta): Promise<PostgresStore> {
    return PostgresStore.connect(options, async (client) => {
      const {rowCount} = await client.query('INSERT INTO meta (record) VALUES ($1) ON CONFLICT (id) DO NOTHING', [JSON.stringify(meta)])
      if (!rowCount) throw new DatabaseStateError('this database already holds a coordinator; nothing was changed')
      return meta
    })
  }

  /** Opens an initialised database, applying the migrations this version brings. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    return PostgresStore.connect(options, async (client) => {
      const {rows} = await client.query<Row<StoreMeta>>('SELECT record FROM meta')
      if (!rows.length) throw new DatabaseStateError('this database holds no coordinator yet; run: aitbc serve init --database URL')
      return rows[0].record
    })
  }

  private static async connect(options: PostgresStoreOptions, start: (client: pg.PoolClient) => Promise<StoreMeta>): Promise<PostgresStore> {
    const schema = options.schema ?? 'public'
    if (!SCHEMA_NAME.test(schema)) throw new Error(`schema ${JSON.stringify(schema)} is not a lower-case SQL name`)
    const connectionTimeoutMillis = connectTimeoutMs(options.connectionString)
    const clientConfig: pg.ClientConfig = {connectionString: withSettings(options.connectionString, {search_path: schema}), connectionTimeoutMillis}
    const log = options.log ?? (() => undefined)
    const transactionIdleMs = String(Math.ceil(options.transactionIdleMs ?? DEFAULT_TRANSACTION_IDLE_MS))
    const poolUrl = withSettings(options.connectionString, {search_path: schema, idle_in_transaction_session_timeout: transactionIdleMs})
    const pool = new pg.Pool({connectionString: poolUrl, connectionTimeoutMillis, max: options.poolSize ?? 10})
    // An idle connection that fails is dropped by the pool; without a listener the error would crash.
    pool.on('error', (error) => log(`a pooled database connection failed: ${error.message}`))
    try {
      const client = await pool.connect()
      // A checked-out connection has no listener of the pool's: its failure must not crash the process.
      client.on('error', () => undefined)
      let meta: StoreMeta
      try {
        await migrate(client, schema)
        meta = await start(client)
      } finally {
        client.release()
      }
      const retryMs = options.retryMs ?? 1000
      const events = await EventChannel.open(clientConfig, `aitbc_${schema}`, retryMs, log)
      const leaderLeaseMs = options.leaderLeaseMs ?? DEFAULT_LEADER_LEASE_MS
      return new PostgresStore(pool, events, clientConfig, schema, meta, {retryMs, leaderLeaseMs, touchFlushMs: options.touchFlushMs ?? 1000, log})
    } catch (error) {
      await pool.end().catch(() => undefined)
      throw error
    }
  }

  async apiKeys(): Promise<ApiKeyRecord[]> {
    return this.records<ApiKeyRecord>('SELECT record FROM api_keys ORDER BY created_order')
  }

  async getApiKey(name: string): Promise<ApiKeyRecord | undefined> {
    return (await this.records<ApiKeyRecord>('SELECT record FROM api_keys WHERE name = $1', [name]))[0]
  }

  async changeApiKeys(change: (keys: readonly ApiKeyRecord[]) => readonly ApiKeyRecord[]): Promise<ApiKeyRecord[]> {
    return this.transaction(async (client) => {
      // Every key change on every replica takes this lock: a rule over all keys (the last admin key)
      // holds even when two admins act at once.
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', lockKey(this.schema, 'api_keys'))
      const keys = (await client.query<Row<ApiKeyRecord>>('SELECT record FROM api_keys ORDER BY created_order')).rows.map((row) => row.record)
      const written = [...change(keys)]
      for (const key of written) {
        await client.query(
          'INSERT INTO api_keys (name, record) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET record = excluded.record',
          [key.name, JSON.stringify(key)],
        )
      }
      if (written.length) await this.notify(client, {kind: 'api_keys_changed'})
      return written
    })
  }

  async getMiner(minerId: string): Promise<MinerRecord | undefined> {
    const {rows} = await this.query<Row<MinerRecord> & {last_seen: string}>('SELECT record, last_seen FROM miners WHERE miner_id = $1', [minerId])
    return rows[0] && {...rows[0].record, last_seen: rows[0].last_seen}
  }

  async changeMiner(
    minerId: string,
    change: (existing: MinerRecord | undefined, minersOfPrincipal?: number) => MinerChange,
    countFor?: string,
  ): Promise<MinerRecord | undefined> {
    // A row lock when the miner exists; when it does not, the insert's unique key decides between two
    // first registrations, and the loser runs again against the winner's row. A principal's count is
    // taken under an advisory lock of that principal, held to the commit of the insert it allows.
    for (;;) {
      const outcome = await this.transaction(async (client) => {
        const select = 'SELECT record, last_seen FROM miners WHERE miner_id = $1 FOR UPDATE'
        let {rows} = await client.query<Row<MinerRecord> & {last_seen: string}>(select, [minerId])
        let owned: number | undefined
        if (!rows.length && countFor !== undefined) {
          await client.query('SELECT pg_advisory_xact_lock($1, $2)', lockKey(this.schema, `miners_of:${countFor}`))
          // Read again after the wait: a registration of this id by the same principal may have committed meanwhile.
          rows = (await client.query<Row<MinerRecord> & {last_seen: string}>(select, [minerId])).rows
          if (!rows.length) {
            const counted = await client.query<{count: number}>('SELECT count(*)::int AS count FROM miners WHERE principal = $1', [countFor])
            owned = counted.rows[0].count
          }
        }
        const existing = rows[0] && {...rows[0].record, last_seen: rows[0].last_seen}
        const {miner, transactions = []} = change(existing, owned)
        if (miner) {
          if (miner.miner_id !== minerId) throw new Error(`a change of miner ${minerId} returned miner ${miner.miner_id}`)
          const values = [miner.miner_id, miner.principal, miner.last_seen, JSON.stringify(miner)]
          if (existing) {
            await client.query('UPDATE miners SET principal = $2, last_seen = greatest(last_seen, $3), record = $4 WHERE miner_id = $1', values)
          } else {
            const inserted = await client.query('INSERT INTO miners (miner_id, principal, last_seen, record) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', values)
            if (!inserted.rowCount) return 'raced' as const
          }
        }
        await this.append(client, transactions)
        return {miner: miner ?? existing}
      })
      if (outcome !== 'raced') return outcome.miner
    }
  }

  async listMiners(query: {principal?: string}): Promise<MinerRecord[]> {
    await this.flushTouches()
    const where = filters({principal: query.principal})
    const {rows} = await this.query<Row<MinerRecord> & {last_seen: string}>(`SELECT record, last_seen FROM miners ${where.sql}`, where.values)
    return rows.map((row) => ({...row.record, last_seen: row.last_seen}))
  }

  touchMiner(minerId: string, lastSeen: string): void {
    const known = this.touches.get(minerId)
    if (known === undefined || known < lastSeen) this.touches.set(minerId, lastSeen)
  }

  async countActiveMiners(since: string): Promise<number> {
    await this.flushTouches()
    const {rows} = await this.query<{count: number}>('SELECT count(*)::int AS count FROM miners WHERE last_seen >= $1', [since])
    return rows[0].count
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    return (await this.records<JobRecord>('SELECT record FROM jobs WHERE job_id = $1', [jobId]))[0]
  }

  async listJobs(query: JobQuery): Promise<JobRecord[]> {
    return this.records<JobRecord>(...pageStatement(JOBS, 'record', query))
  }

  async listJobIds(query: JobQuery): Promise<string[] | undefined> {
    return this.page<string, JobQuery>(JOBS, 'job_id', query)
  }

  async jobCount(): Promise<number> {
    return this.scalar('SELECT count(*)::int AS value FROM jobs')
  }

  async countJobs(query: {client?: string; status?: JobStatus}): Promise<number> {
    const where = filters({client: query.client, status: query.status})
    return (await this.query<{value: number}>(`SELECT count(*)::int AS value FROM jobs ${where.sql}`, where.values)).rows[0].value
  }

  async pendingPromptBytes(): Promise<number> {
    return this.scalar('SELECT pending_prompt_bytes::float8 AS value FROM queue_totals')
  }

  async submitJob(job: JobRecord, transactions: readonly TransactionDraft[], admit?: Admission): Promise<{job: JobRecord; replayed: boolean}> {
    // Every admitting submit takes the admission lock to its commit, so the counts it decides on stay
    // true until its own job is in: replicas admitting at once cannot overrun a cap. It is taken in the
    // round trip of BEGIN, and the replay check and the counts share one statement after it (a statement
    // of its own: its snapshot must be taken once the lock is held), to keep the lock's hold short.
    return this.transaction(async (client) => {
      if (admit) {
        const {rows} = await client.query<{pending: number; bytes: number; earlier: JobRecord | null}>(
          `SELECT (SELECT count(*)::int FROM jobs WHERE client = $1 AND status = 'pending') AS pending,
                  (SELECT pending_prompt_bytes::float8 FROM queue_totals) AS bytes,
                  (SELECT record FROM jobs WHERE client = $1 AND idempotency_key = $2::text) AS earlier`,
          [job.client, job.idempotency?.key ?? null],
        )
        if (job.idempotency && rows[0].earlier) return {job: rows[0].earlier, replayed: true}
        admit({pendingOfClient: rows[0].pending, queuedPromptBytes: rows[0].bytes})
      }
      // A second submit under the same key waits at the insert for the first one's transaction, then
      // inserts nothing, takes no seq, and reads the first job.
      const write = new WriteStatement()
      const columns = [...jobColumns(job), job.idempotency?.key ?? null, Buffer.byteLength(job.prompt, 'utf8'), JSON.stringify(job)].map((value) => write.param(value))
      write.with(
        'inserted',
        `INSERT INTO jobs (job_id, status, client, model, lease_expires_at, idempotency_key, prompt_bytes, record) VALUES (${columns.join(', ')})
         ON CONFLICT (client, idempotency_key) DO NOTHING RETURNING job_id`,
        'SELECT count(*)::int FROM inserted',
      )
      if (job.status === 'pending') {
        this.notifyIn(write, {kind: 'job_pending', model: job.model}, 'FROM inserted')
        this.queueBytesIn(write, Buffer.byteLength(job.prompt, 'utf8'), 'WHERE EXISTS (SELECT 1 FROM inserted)')
      }
      this.advanceHeadIn(write, transactions.length, 'WHERE EXISTS (SELECT 1 FROM inserted)')
      const {rows} = await client.query<{inserted: number; head?: string}>(write.text, write.values)
      if (!rows[0].inserted) return {job: (await this.byIdempotencyKey(client, job.client, job.idempotency!.key))!, replayed: true}
      await this.insertTransactions(client, rows[0].head, transactions)
      return {job, replayed: false}
    }, admit && lockKey(this.schema, 'admission'))
  }

  private async byIdempotencyKey(client: pg.PoolClient, jobClient: string, key: string): Promise<JobRecord | undefined> {
    const {rows} = await client.query<Row<JobRecord>>('SELECT record FROM jobs WHERE client = $1 AND idempotency_key = $2', [jobClient, key])
    return rows[0]?.record
  }

  async changeJob(jobId: string, change: JobChanger): Promise<JobChanged | undefined> {
    return this.transaction(async (client) => {
      const {rows} = await client.query<Row<JobRecord>>('SELECT record FROM jobs WHERE job_id = $1 FOR UPDATE', [jobId])
      return rows.length ? this.writeJob(client, rows[0].record, change(rows[0].record)) : undefined
    })
  }

  async claimNextJob(query: {models: readonly string[]; exclude?: readonly string[]}, change: JobChanger): Promise<JobChanged | undefined> {
    return this.transaction(async (client) => {
      const {rows} = await client.query<Row<JobRecord>>(
        `SELECT record FROM jobs WHERE status = 'pending' AND model = ANY($1) AND NOT (job_id = ANY($2))
         ORDER BY submit_order LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [query.models, query.exclude ?? []],
      )
      return rows.length ? this.writeJob(client, rows[0].record, change(rows[0].record)) : undefined
    })
  }

  async oldestPendingJob(models: readonly string[], exclude: readonly string[] = []): Promise<JobRecord | undefined> {
    const sql = `SELECT record FROM jobs WHERE status = 'pending' AND model = ANY($1) AND NOT (job_id = ANY($2)) ORDER BY submit_order LIMIT 1`
    return (await this.records<JobRecord>(sql, [models, exclude]))[0]
  }

  async sweepLeases(now: Date, change: JobChanger): Promise<number> {
    let total = 0
    for (;;) {
      const changed = await this.transaction(async (client) => {
        const {rows} = await client.query<Row<JobRecord>>(
          `SELECT record FROM jobs WHERE status = 'running' AND lease_expires_at <= $1
           ORDER BY lease_expires_at LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED`,
          [now.toISOString()],
        )
        for (const {record} of rows) await this.writeJob(client, record, change(record))
        return rows.length
      })
      total += changed
      if (changed < SWEEP_BATCH) return total
    }
  }

  async getReceipt(receiptId: string): Promise<ReceiptRecord | undefined> {
    return (await this.records<ReceiptRecord>('SELECT record FROM receipts WHERE receipt_id = $1', [receiptId]))[0]
  }

  async listReceipts(query: ReceiptQuery): Promise<ReceiptRecord[] | undefined> {
    return this.page<ReceiptRecord, ReceiptQuery>(RECEIPTS, 'record', query)
  }

  async receiptCount(): Promise<number> {
    return this.scalar('SELECT count(*)::int AS value FROM receipts')
  }

  async appendTransactions(transactions: readonly TransactionDraft[]): Promise<Transaction[]> {
    return this.transaction((client) => this.append(client, transactions))
  }

  async lastTransactionSeq(): Promise<number> {
    return this.scalar('SELECT last_seq::int AS value FROM ledger_head')
  }

  async recentTransactions(limit: number): Promise<LedgerTransaction[]> {
    return this.ledgerTransactions('ORDER BY seq DESC LIMIT $1', [limit])
  }

  async blockTransactions(height: number, page?: {offset: number; limit: number}): Promise<LedgerTransaction[] | undefined> {
    const {rows} = await this.query<{record: BlockRecord; last_seq: string}>('SELECT record, last_seq FROM blocks WHERE height = $1', [height])
    if (!rows.length) return undefined
    const last = Number(rows[0].last_seq)
    const first = last - rows[0].record.transactions + 1
    const offset = page?.offset ?? 0
    const limit = page?.limit ?? rows[0].record.transactions
    return this.ledgerTransactions('WHERE seq BETWEEN $1 AND $2 ORDER BY seq LIMIT $3', [first + offset, last, limit])
  }

  async headBlock(): Promise<BlockRecord | undefined> {
    return (await this.records<BlockRecord>('SELECT record FROM blocks ORDER BY height DESC LIMIT 1'))[0]
  }

  async getBlock(height: number): Promise<BlockRecord | undefined> {
    return (await this.records<BlockRecord>('SELECT record FROM blocks WHERE height = $1', [height]))[0]
  }

  async listBlocks(query: {limit: number; before?: number}): Promise<BlockRecord[]> {
    return query.before === undefined
      ? this.records<BlockRecord>('SELECT record FROM blocks ORDER BY height DESC LIMIT $1', [query.limit])
      : this.records<BlockRecord>('SELECT record FROM blocks WHERE height < $2 ORDER BY height DESC LIMIT $1', [query.limit, query.before])
  }

  async sealBlock(leadership: Leadership, build: BlockBuilder, max = 2 ** 31 - 1): Promise<BlockRecord | undefined> {
    if (!(leadership instanceof AdvisoryLeadership) || !leadership.isLeader) return undefined
    return this.transaction(async (client) => {
      // A sealer frozen in here holds the sealing lock: its transaction lives no longer than a lease, so
      // whoever leads next waits at most that (set before the lock is waited for, in one round trip).
      await client.query(`SELECT set_config('idle_in_transaction_session_timeout', $3, true), pg_advisory_xact_lock($1, $2)`, [
        ...lockKey(this.schema, 'seal'),
        String(Math.ceil(leadership.leaseMs)),
      ])
      // Fencing: still led from the connection that holds the leader lock, checked where the block is written.
      const [classid, objid] = leadership.key
      const held = await client.query(
        `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 2 AND pid = $3 AND granted`,
        [classid, objid, leadership.pid ?? -1],
      )
      if (!held.rowCount) return undefined
      const head = await client.query<{record: BlockRecord; last_seq: string}>('SELECT record, last_seq FROM blocks ORDER BY height DESC LIMIT 1')
      const previous = head.rows[0]
      const {rows} = await client.query<Row<Transaction>>('SELECT record FROM transactions WHERE block_height IS NULL ORDER BY seq LIMIT $1', [max])
      if (previous && !rows.length) return undefined
      const sealedUpTo = previous ? Number(previous.last_seq) : 0
      rows.forEach(({record}, i) => {
        if (record.seq !== sealedUpTo + 1 + i) throw new StoreCorruptError(`the ledger skips from seq ${sealedUpTo + i} to ${record.seq}`)
      })
      const transactions = rows.map((row) => row.record)
      const block = build(previous && {height: previous.record.height, hash: previous.record.hash}, transactions)
      const lastSeq = sealedUpTo + transactions.length
      await client.query('INSERT INTO blocks (height, hash, last_seq, record) VALUES ($1, $2, $3, $4)', [block.height, block.hash, lastSeq, JSON.stringify(block)])
      if (transactions.length) await client.query('UPDATE transactions SET block_height = $1 WHERE seq BETWEEN $2 AND $3', [block.height, sealedUpTo + 1, lastSeq])
      return block
    })
  }

  /**
   * Fills an empty store with records copied verbatim (history-import.ts), in one transaction; the
   * ledger head then follows the last copied seq. Refuses a store that already holds anything.
   */
  async importHistory(copy: (sink: HistorySink) => Promise<void>): Promise<void> {
    await this.transaction(async (client) => {
      const {rows} = await client.query<{value: number}>(
        'SELECT ((SELECT count(*) FROM api_keys) + (SELECT count(*) FROM miners) + (SELECT count(*) FROM jobs) + (SELECT count(*) FROM blocks) + (SELECT count(*) FROM transactions))::int AS value',
      )
      if (rows[0].value) throw new DatabaseStateError('the database already holds coordinator records; import only into a new one')
      await copy(new HistorySink(client))
      await client.query('UPDATE ledger_head SET last_seq = (SELECT coalesce(max(seq), 0) FROM transactions)')
      await client.query(`UPDATE queue_totals SET pending_prompt_bytes = (SELECT coalesce(sum(prompt_bytes), 0) FROM jobs WHERE status = 'pending')`)
    })
  }

  leadBlockSealing(): Leadership {
    const leadership = new AdvisoryLeadership(this.clientConfig, lockKey(this.schema, 'block_sealer'), this.options.retryMs, this.options.log, this.options.leaderLeaseMs)
    this.leaderships.add(leadership)
    return leadership
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    return this.events.subscribe(listener)
  }

  /** Set while the database cannot be reached; each failed request is answered 503 meanwhile. */
  writeFailure(): string | undefined {
    return this.reachability.problem
  }

  async close(): Promise<void> {
    clearInterval(this.touchTimer)
    this.reachability.close()
    await this.flushTouches()
    await Promise.all([...this.leaderships].map((leadership) => leadership.release()))
    await this.events.close()
    await this.pool.end()
  }

  /** Writes the buffered liveness in one statement; concurrent calls share the write in flight. */
  private flushTouches(): Promise<void> {
    if (!this.touches.size) return this.touchFlush
    const entries = [...this.touches]
    this.touches.clear()
    this.touchFlush = this.touchFlush.then(async () => {
      try {
        await this.query(
          `UPDATE miners AS m SET last_seen = t.last_seen FROM unnest($1::text[], $2::text[]) AS t(miner_id, last_seen)
           WHERE m.miner_id = t.miner_id AND m.last_seen < t.last_seen`,
          [entries.map(([id]) => id), entries.map(([, at]) => at)],
        )
      } catch (error) {
        // Liveness only: keep it for the next try rather than fail whoever asked.
        for (const [id, at] of entries) this.touchMiner(id, at)
        this.options.log(`writing miner liveness failed: ${(error as Error).message}`)
      }
    })
    return this.touchFlush
  }

  /** The receipt, the job, its NOTIFY and the ledger head in one statement; then the transactions. */
  private async writeJob(client: pg.PoolClient, current: JobRecord, {job, receipt, transactions = []}: JobChange): Promise<JobChanged> {
    const write = new WriteStatement()
    if (receipt) {
      const values = [receipt.receipt_id, receipt.client, receipt.provider, JSON.stringify(receipt)].map((value) => write.param(value))
      write.with('receipt', `INSERT INTO receipts (receipt_id, client, provider, record) VALUES (${values.join(', ')})`)
    }
    if (job) {
      if (job.job_id !== current.job_id) throw new Error(`a change of job ${current.job_id} returned job ${job.job_id}`)
      const [id, status, jobClient, model, lease, record] = [...jobColumns(job), JSON.stringify(job)].map((value) => write.param(value))
      write.with('job', `UPDATE jobs SET status = ${status}, client = ${jobClient}, model = ${model}, lease_expires_at = ${lease}, record = ${record} WHERE job_id = ${id}`)
      if (job.status === 'pending' && current.status !== 'pending') this.notifyIn(write, {kind: 'job_pending', model: job.model})
      const entering = job.status === 'pending' && current.status !== 'pending'
      const leaving = job.status !== 'pending' && current.status === 'pending'
      if (entering || leaving) this.queueBytesIn(write, (entering ? 1 : -1) * Buffer.byteLength(current.prompt, 'utf8'))
    }
    this.advanceHeadIn(write, transactions.length)
    if (write.isEmpty) return {job: current, transactions: []}
    const {rows} = await client.query<{head?: string}>(write.text, write.values)
    return {job: job ?? current, transactions: await this.insertTransactions(client, rows[0].head, transactions)}
  }

  private async append(client: pg.PoolClient, drafts: readonly TransactionDraft[]): Promise<Transaction[]> {
    if (!drafts.length) return []
    const {rows} = await client.query<{last_seq: string}>('UPDATE ledger_head SET last_seq = last_seq + $1 RETURNING last_seq', [drafts.length])
    return this.insertTransactions(client, rows[0].last_seq, drafts)
  }

  /**
   * Takes `count` seqs from the ledger head, returned as column `head` (its new last seq). Its row lock
   * is held to the commit: that is what keeps seqs gap-free and committed in order, so only the
   * transactions' insert comes after it.
   */
  private advanceHeadIn(write: WriteStatement, count: number, condition = ''): void {
    if (count) write.with('head', `UPDATE ledger_head SET last_seq = last_seq + ${write.param(count)} ${condition} RETURNING last_seq`, 'SELECT last_seq FROM head')
  }

  /** Changes the total of pending prompt bytes (admission caps) in the job write's statement. */
  private queueBytesIn(write: WriteStatement, delta: number, condition = ''): void {
    write.with('queued', `UPDATE queue_totals SET pending_prompt_bytes = pending_prompt_bytes + ${write.param(delta)} ${condition} RETURNING 1`, 'SELECT count(*) FROM queued')
  }

  /** Numbers, hashes and inserts the drafts that end at seq `lastSeq`. */
  private async insertTransactions(client: pg.PoolClient, lastSeq: string | undefined, drafts: readonly TransactionDraft[]): Promise<Transaction[]> {
    if (!drafts.length) return []
    const transactions = numberTransactions(Number(lastSeq) - drafts.length + 1, drafts)
    await client.query('INSERT INTO transactions (seq, record) SELECT * FROM unnest($1::bigint[], $2::json[])', [
      transactions.map((tx) => tx.seq),
      transactions.map((tx) => JSON.stringify(tx)),
    ])
    return transactions
  }

  /** NOTIFY with the write (delivered at commit); `from` makes it conditional on another CTE's rows. */
  private notifyIn(write: WriteStatement, event: StoreEvent, from = ''): void {
    write.with('notified', `SELECT pg_notify(${write.param(this.events.channel)}, ${write.param(JSON.stringify(event))}) ${from}`, 'SELECT count(*) FROM notified')
  }

  private async notify(client: pg.PoolClient, event: StoreEvent): Promise<void> {
    await client.query('SELECT pg_notify($1, $2)', [this.events.channel, JSON.stringify(event)])
  }

  /** `work` in one transaction; `lock`, a transaction advisory lock taken in BEGIN's round trip. */
  private transaction<T>(work: (client: pg.PoolClient) => Promise<T>, lock?: readonly [number, number]): Promise<T> {
    return this.reachability.watch(async () => {
      const client = await this.pool.connect()
      let broken: Error | undefined
      // Checked out, the connection has no listener of the pool's: its failure would crash the process.
      // The query in flight fails with it; the connection is not given back.
      const onError = (error: Error) => (broken = error)
      client.on('error', onError)
      try {
        // Without parameters, a query goes as one simple-protocol message, so both statements cost one
        // round trip; the key is two integers of lockKey's, not input.
        await client.query(lock ? `BEGIN; SELECT pg_advisory_xact_lock(${lock[0] | 0}, ${lock[1] | 0})` : 'BEGIN')
        const result = await work(client)
        await client.query('COMMIT')
        return result
      } catch (error) {
        // A connection that cannot even roll back is not given back to the pool.
        if (!broken) await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError))
        throw error
      } finally {
        client.removeListener('error', onError)
        client.release(broken)
      }
    })
  }

  private query<R extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.reachability.watch(() => this.pool.query<R>(sql, values))
  }

  /** A page of `column`, newest first from the cursor; undefined when the cursor may place none (newest-first.ts). */
  private async page<T, Query extends CursorPage>(listing: Listing<Query>, column: string, query: Query): Promise<T[] | undefined> {
    const rows = (await this.query<Record<string, T>>(...pageStatement(listing, column, query))).rows.map((row) => row[column])
    if (rows.length === 0 && query.before !== undefined && (await this.query(...cursorStatement(listing, {...query, before: query.before}))).rowCount === 0) return undefined
    return rows
  }

  private async records<T>(sql: string, values?: unknown[]): Promise<T[]> {
    return (await this.query<Row<T>>(sql, values)).rows.map((row) => row.record)
  }

  private async scalar(sql: string): Promise<number> {
    return (await this.query<{value: number}>(sql)).rows[0].value
  }

  private async ledgerTransactions(clause: string, values: unknown[]): Promise<LedgerTransaction[]> {
    const {rows} = await this.query<Row<Transaction> & {block_height: number | null}>(`SELECT record, block_height FROM transactions ${clause}`, values)
    return rows.map(({record, block_height}) => ({...record, block_height}))
  }
}

/**
 * Session settings (every connection works in the store's schema; the pool's have an idle-transaction
 * limit). Set in the URL's `options` parameter, after any the operator gave there (the driver lets the
 * URL's parameters override its other settings).
 */
function withSettings(connectionString: string, settings: Record<string, string>): string {
  const url = new URL(connectionString)
  const given = url.searchParams.get('options')
  const ours = Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`)
  url.searchParams.set('options', [...(given ? [given] : []), ...ours].join(' '))
  return url.toString()
}

/** The columns copied from a job record, in the order the job statements take them. */
function jobColumns(job: JobRecord): unknown[] {
  return [job.job_id, job.status, job.client, job.model, job.lease_expires_at ?? null]
}

/** A WHERE clause of equalities over the defined filters, with its parameters. */
function filters(columns: Record<string, string | undefined>): {sql: string; values: unknown[]} {
  const where = new Conditions().equal(columns)
  return {sql: where.sql, values: where.values}
}

/** libpq's `connect_timeout` URL parameter (seconds), else the default; node-postgres reads it from its own option only. */
function connectTimeoutMs(connectionString: string): number {
  const given = Number(new URL(connectionString).searchParams.get('connect_timeout') ?? Number.NaN)
  return (given > 0 ? given : DEFAULT_CONNECT_TIMEOUT_SECONDS) * 1000
}

/** Jobs newest first by submit order; a cursor must be a job of the query's client, in any status (it may have left the one listed). */
const JOBS: Listing<JobQuery> = {
  table: 'jobs',
  id: 'job_id',
  order: 'submit_order',
  rows: (where, query) => where.equal({client: query.client, status: query.status}),
  cursors: (where, query) => where.equal({client: query.client}),
}

/** Receipts newest first by issue order; a cursor must be a receipt the query selects (a receipt never changes). */
const RECEIPTS: Listing<ReceiptQuery> = {
  table: 'receipts',
  id: 'receipt_id',
  order: 'issue_order',
  rows: receiptFilters,
  cursors: receiptFilters,
}

function receiptFilters(where: Conditions, query: ReceiptQuery): void {
  where.equal({client: query.client, provider: query.provider})
  if (query.providerPrincipal !== undefined) where.add(`provider IN (SELECT miner_id FROM miners WHERE principal = ${where.param(query.providerPrincipal)})`)
}
