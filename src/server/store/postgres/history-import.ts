// Moving up: copies an embedded coordinator's whole history into an empty PostgreSQL store, verbatim
// (seqs, hashes, signatures, submit and issue order), so the chain and every old receipt verify as
// before. One transaction: a failed copy leaves the database as it was. What `aitbc serve migrate
// --from-data-dir` will run (docs/postgres.md).
import type pg from 'pg'

import type {ApiKeyRecord, BlockRecord, JobRecord, LedgerTransaction, MinerRecord, ReceiptRecord} from '../records.js'
import type {Store} from '../store.js'
import type {PostgresStore} from './postgres-store.js'

/** Inserts records as they are, in the order given (which becomes their list order). */
export class HistorySink {
  constructor(private readonly client: pg.PoolClient) {}

  apiKeys(keys: readonly ApiKeyRecord[]): Promise<void> {
    return this.insert('api_keys', ['name text', 'record json'], keys.map((key) => [key.name, JSON.stringify(key)]))
  }

  miners(miners: readonly MinerRecord[]): Promise<void> {
    const rows = miners.map((miner) => [miner.miner_id, miner.principal, miner.last_seen, JSON.stringify(miner)])
    return this.insert('miners', ['miner_id text', 'principal text', 'last_seen text', 'record json'], rows)
  }

  jobs(jobs: readonly JobRecord[]): Promise<void> {
    const rows = jobs.map((job) => [
      job.job_id,
      job.status,
      job.client,
      job.model,
      job.lease_expires_at ?? null,
      job.idempotency?.key ?? null,
      Buffer.byteLength(job.prompt, 'utf8'),
      JSON.stringify(job),
    ])
    const columns = ['job_id text', 'status text', 'client text', 'model text', 'lease_expires_at timestamptz', 'idempotency_key text', 'prompt_bytes integer', 'record json']
    return this.insert('jobs', columns, rows)
  }

  receipts(receipts: readonly ReceiptRecord[]): Promise<void> {
    const rows = receipts.map((receipt) => [receipt.receipt_id, receipt.client, receipt.provider, JSON.stringify(receipt)])
    return this.insert('receipts', ['receipt_id text', 'client text', 'provider text', 'record json'], rows)
  }

  transactions(transactions: readonly LedgerTransaction[]): Promise<void> {
    const rows = transactions.map(({block_height, ...tx}) => [tx.seq, block_height, JSON.stringify(tx)])
    return this.insert('transactions', ['seq bigint', 'block_height integer', 'record json'], rows)
  }

  /** `lastSeq`: the seq of the last transaction this block or one before it seals. */
  block(block: BlockRecord, lastSeq: number): Promise<void> {
    return this.insert('blocks', ['height integer', 'hash text', 'last_seq bigint', 'record json'], [[block.height, block.hash, lastSeq, JSON.stringify(block)]])
  }

  /** One statement per batch: arrays per column, unnested in the given order. */
  private async insert(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
    if (!rows.length) return
    const names = columns.map((column) => column.split(' ')[0])
    const arrays = columns.map((_, i) => rows.map((row) => row[i]))
    const unnest = columns.map((column, i) => `$${i + 1}::${column.split(' ')[1]}[]`).join(', ')
    await this.client.query(
      `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM unnest(${unnest}) WITH ORDINALITY AS u(${names.join(', ')}, n) ORDER BY n`,
      arrays,
    )
  }
}

export interface ImportCounts {
  apiKeys: number
  miners: number
  jobs: number
  receipts: number
  transactions: number
  blocks: number
}

/** Copies `source` (an embedded store, opened read-only by the caller) into `target`, which must be empty. */
export async function copyEmbeddedStore(source: Store, target: PostgresStore, batch = 1000): Promise<ImportCounts> {
  const counts: ImportCounts = {apiKeys: 0, miners: 0, jobs: 0, receipts: 0, transactions: 0, blocks: 0}
  await target.importHistory(async (sink) => {
    const keys = source.apiKeys()
    await sink.apiKeys(keys)
    counts.apiKeys = keys.length
    const miners = [...source.miners()]
    await sink.miners(miners)
    counts.miners = miners.length
    counts.jobs = await oldestFirst(source.jobCount(), batch, (page) => source.listJobs(page), (jobs) => sink.jobs(jobs))
    counts.receipts = await oldestFirst(source.receiptCount(), batch, (page) => source.listReceipts(page) ?? [], (receipts) => sink.receipts(receipts))
    const head = source.headBlock()
    let lastSeq = 0
    for (let height = 0; head && height <= head.height; height++) {
      const block = source.getBlock(height)!
      const sealed = source.blockTransactions(height)!
      await sink.transactions(sealed)
      lastSeq += sealed.length
      await sink.block(block, lastSeq)
      counts.blocks++
    }
    const unsealed = source.unsealedTransactions().map((tx) => ({...tx, block_height: null}))
    await sink.transactions(unsealed)
    counts.transactions = lastSeq + unsealed.length
  })
  return counts
}

/** Walks a newest-first list from its oldest end, `batch` records at a time; returns how many. */
async function oldestFirst<T>(total: number, batch: number, list: (page: {limit: number; offset: number}) => T[], write: (records: T[]) => Promise<void>): Promise<number> {
  for (let done = 0; done < total; ) {
    const offset = Math.max(0, total - done - batch)
    const page = list({limit: total - done - offset, offset})
    await write(page.reverse())
    done += page.length
    if (!page.length) throw new Error(`the source listed ${done} of ${total} records`)
  }
  return total
}
