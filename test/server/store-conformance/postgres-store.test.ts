// What only the PostgreSQL store has: migrations it applies itself, initialisation states, the
// block-sealing leader (exclusive, taken over when the holder dies, fenced when it has not noticed)
// and events that survive a lost connection.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {after, describe, it} from 'node:test'

import pg from 'pg'

import {sealBlock} from '../../../src/protocol/ledger.js'
import type {BlockBuilder, Leadership} from '../../../src/server/store/async-store.js'
import type {AdvisoryLeadership} from '../../../src/server/store/postgres/advisory-leadership.js'
import {migrate, MIGRATIONS, SchemaVersionError} from '../../../src/server/store/postgres/migrations.js'
import {DatabaseStateError, PostgresStore} from '../../../src/server/store/postgres/postgres-store.js'
import type {StoreMeta} from '../../../src/server/store/records.js'
import {nodeScript, startProcess, type RunningProcess} from '../../helpers/process.js'
import {job, signer, tx, until} from './conformance.js'
import {createTestDatabase, NO_SERVER} from './test-database.js'

const database = await createTestDatabase()
const meta: StoreMeta = {format: 1, created_at: '2026-01-01T00:00:00.000Z', signing_key_id: signer.keyId}
const build: BlockBuilder = (previous, txs) => sealBlock(previous, txs, new Date().toISOString(), signer)
const RETRY_MS = 100

let schemas = 0
function options(schema = `s${++schemas}`) {
  return {connectionString: database!.url, schema, retryMs: RETRY_MS}
}

async function withClient<T>(schema: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({connectionString: database!.url, options: `-c search_path=${schema}`})
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

describe('PostgreSQL store', {skip: database ? false : NO_SERVER}, () => {
  after(() => database?.drop())

  it('applies its migrations once, even when replicas start together, and a newer version applies its own', async () => {
    const schema = 'migrating'
    const applied = await Promise.all([1, 2, 3].map(() => withClient(schema, (client) => migrate(client, schema))))
    assert.deepEqual(applied.flat(), MIGRATIONS.map((m) => m.version))
    const next = [...MIGRATIONS, {version: MIGRATIONS.length + 1, name: 'a later column', sql: 'ALTER TABLE jobs ADD COLUMN later text'}]
    assert.deepEqual(await withClient(schema, (client) => migrate(client, schema, next)), [MIGRATIONS.length + 1])
    assert.deepEqual(await withClient(schema, (client) => migrate(client, schema, next)), [])
    const {rows} = await withClient(schema, (client) => client.query('SELECT version, name FROM schema_migrations ORDER BY version'))
    assert.deepEqual(rows.map((r) => r.version), next.map((m) => m.version))
    // This version does not know the later one: it refuses rather than misread the tables.
    await assert.rejects(PostgresStore.open({...options(schema)}), (error) => error instanceof SchemaVersionError && /newer than this aitbc knows/.test(error.message))
  })

  it('creates a store once, in its schema, and opens only an initialised one', async () => {
    // The operator's own `options` in the URL are kept beside the store's search_path.
    const url = new URL(database!.url)
    url.searchParams.set('options', '-c statement_timeout=60000')
    const opts = {...options(), connectionString: url.toString()}
    await assert.rejects(PostgresStore.open(opts), (error) => error instanceof DatabaseStateError && /serve init --database/.test(error.message))
    const store = await PostgresStore.create(opts, meta)
    await store.close()
    await assert.rejects(PostgresStore.create(opts, {...meta, created_at: 'later'}), (error) => error instanceof DatabaseStateError)
    const reopened = await PostgresStore.open(opts)
    assert.deepEqual(reopened.meta, meta)
    await reopened.close()
    const {rows} = await withClient('public', (client) => client.query('SELECT to_regclass($1) AS jobs, to_regclass($2) AS stray', [`${opts.schema}.jobs`, 'public.jobs']))
    assert.deepEqual(rows[0], {jobs: `${opts.schema}.jobs`, stray: null})
  })

  it('lets exactly one replica lead sealing; another takes over when the leader dies, and the chain goes on', async () => {
    const opts = options()
    const a = await PostgresStore.create(opts, meta)
    const b = await PostgresStore.open(opts)
    const contenders = [a.leadBlockSealing(), b.leadBlockSealing()] as AdvisoryLeadership[]
    try {
      await until(() => contenders.some((c) => c.isLeader), 'a leader')
      // Several retry periods later there is still exactly one.
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS * 4))
      assert.equal(contenders.filter((c) => c.isLeader).length, 1)
      const leader = contenders.find((c) => c.isLeader)!
      const follower = contenders.find((c) => c !== leader)!
      const leaderStore = leader === contenders[0] ? a : b
      assert.equal((await leaderStore.sealBlock(leader, build))?.height, 0)
      assert.equal(await leaderStore.sealBlock(follower, build), undefined, 'a follower cannot seal')
      await a.appendTransactions([tx('job_submitted', {n: 1})])

      // The leader's connection dies before it notices: fenced out where the block would be written.
      const deadPid = leader.pid!
      const unaware = Object.create(leader, {isLeader: {value: true}, pid: {value: deadPid}}) as Leadership
      await withClient('public', (client) => client.query('SELECT pg_terminate_backend($1)', [deadPid]))
      // pg_terminate_backend only signals: the backend, and its advisory lock, may live a moment longer
      // on a busy machine (a dead connection is gone, which is the case under test).
      const gone = () => withClient('public', async (client) => (await client.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [deadPid])).rowCount === 0)
      await until(gone, 'the terminated backend to exit', 5000)
      assert.equal(await leaderStore.sealBlock(unaware, build), undefined)
      const started = Date.now()
      await until(() => follower.isLeader, 'the follower to take over', 5000)
      const takeoverMs = Date.now() - started
      assert.ok(takeoverMs < 3000, `takeover took ${takeoverMs} ms`)
      await until(() => !leader.isLeader || leader.pid !== deadPid, 'the old leader to notice')
      const followerStore = leaderStore === a ? b : a
      const next = await followerStore.sealBlock(follower, build)
      assert.equal(next?.height, 1)
      assert.equal(next?.prev_hash, (await a.getBlock(0))!.hash)
      assert.deepEqual((await b.blockTransactions(1))!.map((t) => t.seq), [1])
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('takes over from a coordinator process killed with SIGKILL', async () => {
    const opts = options()
    const store = await PostgresStore.create(opts, meta)
    const child = spawn(process.execPath, [...nodeScript(new URL('./lead-until-killed.ts', import.meta.url)), opts.connectionString, opts.schema], {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    })
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the child coordinator did not lead within 20 s')), 20_000)
        child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('leading') && (clearTimeout(timer), resolve()))
        child.on('exit', (code) => reject(new Error(`the child coordinator exited (${code}) before leading`)))
      })
      const contender = store.leadBlockSealing()
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS * 3))
      assert.equal(contender.isLeader, false, 'no second leader while the first lives')
      killGroup()
      const started = Date.now()
      await until(() => contender.isLeader, 'a takeover after SIGKILL', 5000)
      assert.ok(Date.now() - started < 3000)
      assert.equal((await store.sealBlock(contender, build))?.height, 0)
    } finally {
      killGroup()
      await store.close()
    }
  })

  it('takes over from a sealer frozen (SIGSTOP) past its fencing check, within its lease; continued, the frozen sealer writes nothing', async () => {
    const opts = options()
    const store = await PostgresStore.create(opts, meta)
    const child = startFrozen(opts, ['seal'])
    try {
      await child.waitFor(/sealed 0/, 'stdout', 20_000)
      await store.appendTransactions([tx('job_submitted', {job_id: 'frozen-1'})])
      child.child.stdin!.write('go\n')
      await until(() => processState(child.pid) === 'T', 'the child sealer to stop itself inside its seal', 20_000)
      const contender = store.leadBlockSealing()
      const started = Date.now()
      // Its lease is 1 s: PostgreSQL ends the silent leader's connection, and the lock with it.
      await until(() => contender.isLeader, 'a takeover from the frozen sealer', 10_000)
      const takeoverMs = Date.now() - started
      assert.ok(takeoverMs < 5000, `takeover took ${takeoverMs} ms`)
      // The frozen seal's transaction holds the sealing lock until PostgreSQL ends it too.
      const block = await store.sealBlock(contender, build)
      assert.equal(block?.height, 1)
      assert.deepEqual((await store.blockTransactions(1))!.map((t) => t.seq), [1])
      child.signal('SIGCONT')
      const [outcome] = await child.waitFor(/^(written|refused|failed: .*)$/m, 'stdout', 20_000)
      assert.notEqual(outcome, 'written', 'the frozen sealer wrote its block after another took over')
      await store.appendTransactions([tx('job_submitted', {job_id: 'frozen-2'})])
      assert.equal((await store.sealBlock(contender, build))?.height, 2)
      const chain = await store.listBlocks({limit: 10})
      assert.deepEqual(chain.map((b) => b.height), [2, 1, 0])
      assert.equal(chain[0].prev_hash, chain[1].hash)
      assert.equal(chain[1].prev_hash, chain[2].hash)
    } finally {
      child.signal('SIGKILL')
      await child.result.catch(() => undefined)
      await store.close()
    }
  })

  it('a replica frozen (SIGSTOP) inside a transaction holds its row lock no longer than its idle-transaction limit', async () => {
    const opts = options()
    const store = await PostgresStore.create(opts, meta)
    const pending = job()
    await store.submitJob(pending, [])
    const child = startFrozen(opts, ['change', pending.job_id])
    try {
      await child.waitFor(/ready/, 'stdout', 20_000)
      child.child.stdin!.write('go\n')
      await until(() => processState(child.pid) === 'T', 'the child replica to stop itself inside its change', 20_000)
      const started = Date.now()
      const changed = await withinMs(15_000, 'a change of the job the frozen replica holds', store.changeJob(pending.job_id, (current) => ({job: {...current, status: 'cancelled', result: 'here'}})))
      const waitedMs = Date.now() - started
      assert.equal(changed?.job.status, 'cancelled')
      assert.ok(waitedMs < 5000, `the row lock was held ${waitedMs} ms by a frozen replica`)
      child.signal('SIGCONT')
      const [outcome] = await child.waitFor(/^(written|refused|failed: .*)$/m, 'stdout', 20_000)
      assert.notEqual(outcome, 'written', 'the frozen change was written after its connection was ended')
      assert.equal((await store.getJob(pending.job_id))?.result, 'here')
    } finally {
      child.signal('SIGKILL')
      await child.result.catch(() => undefined)
      await store.close()
    }
  })

  it('reconnects its event connection, says events may have been missed, and delivers the next ones', async () => {
    const opts = options()
    const a = await PostgresStore.create(opts, meta)
    const b = await PostgresStore.open(opts)
    try {
      const events: string[] = []
      b.subscribe((event) => events.push(event.kind === 'job_pending' ? `${event.kind}:${event.model}` : event.kind))
      await withClient('public', (client) =>
        client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`),
      )
      await until(() => events.includes('resync'), 'the resync event')
      await a.submitJob(job({model: 'after-reconnect'}), [])
      await until(() => events.includes('job_pending:after-reconnect'), 'an event after the reconnect')
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })
})

/** The pause-mid-transaction.ts stand-in on this store's schema (leader lease and idle-transaction limit 1 s). */
function startFrozen(opts: {connectionString: string; schema: string}, args: string[]): RunningProcess {
  return startProcess(process.execPath, [...nodeScript(new URL('./pause-mid-transaction.ts', import.meta.url)), opts.connectionString, opts.schema, ...args], {
    keepStdinOpen: true,
    timeoutMs: 120_000,
  })
}

/** The state letter of a process (`T`: stopped), from /proc. */
function processState(pid: number): string | undefined {
  try {
    return /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1]
  } catch {
    return undefined
  }
}

/** `promise`, or a rejection naming `what` after `ms` (the promise is left to settle on its own). */
async function withinMs<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms)))
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
