// Three `aitbc serve --database` processes on one PostgreSQL database, with submitters and 6 miners
// spread over them: every acknowledged job is there once, claimed once per attempt and completed once,
// every receipt verifies and `explorer verify` passes; then the same with the block sealer stopped
// (SIGSTOP) past its lease and then continued, with a replica SIGKILLed mid-load, and with the block
// sealer SIGKILLed three times in a row (each time another replica takes over and seals; the chain
// neither forks nor skips).
// Small counts and generous bounds: the machine has 2 busy cores; what is checked is correctness.
import assert from 'node:assert/strict'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import pg from 'pg'

import type {Transaction} from '../../../src/protocol/ledger.js'
import {lockKey} from '../../../src/server/store/postgres/lock-keys.js'
import {requestJson, type TestResponse} from '../../helpers/server.js'
import {assertLedgerCovers, assertReceiptsMatchJobs, auditLedger, snapshot, waitForSealed} from '../../reliability/audit.js'
import type {JobBody, ReceiptBody} from '../fixtures.js'
import {createTestDatabase, NO_SERVER} from '../store-conformance/test-database.js'
import {assertBuilt} from '../serve-process.js'
import {explorerVerify, initDatabase, Replicas, tempDir, type DatabaseKeys, type Replica} from './replicas.js'

const database = await createTestDatabase()
// Two miners per replica and 12 jobs a phase: claims still race on every replica, and half the jobs are
// acknowledged before each fault and half after (more only cost CPU: each phase is audited whole).
const MINERS = 6
const SUBMITTERS = 3
/** Jobs per submitter per phase. */
const JOBS_EACH = 4
/** A miner's long poll (seconds): a submit on any replica wakes it (NOTIFY), so a longer one only saves empty polls. */
const MINER_WAIT_SECONDS = 5
/** How long the jobs of one phase may take to finish on the busy machine (a bound, not a timing). */
const PHASE_BOUND_MS = 180_000
const LEASE_SECONDS = 6
/** The sealer's lease (--leader-lease): a stopped sealer is replaced after about this. */
const LEADER_LEASE_SECONDS = 2

describe('three coordinators on one database', {skip: database ? false : NO_SERVER}, () => {
  let keys: DatabaseKeys
  let replicas: Replicas
  let trusted: ReadonlySet<string>
  let load: Load

  before(async () => {
    assertBuilt()
    const dir = await tempDir('aitbc-replicas-')
    const keyFile = path.join(dir, 'signing-key.pem')
    keys = await initDatabase(database!.url, keyFile)
    trusted = new Set([keys.key_id])
    replicas = new Replicas(database!.url, keyFile)
    // Each replica names its connections, so the test can tell which one holds the sealer's lock.
    for (let i = 0; i < 3; i++) await replicas.start(`replica-${i}`, ['--lease-seconds', String(LEASE_SECONDS), '--leader-lease', String(LEADER_LEASE_SECONDS), '--rate-limit', '0'], withApplicationName(`replica-${i}`))
    load = new Load()
    load.start(keys, replicas, trusted)
  })
  after(async () => {
    await load?.stop()
    await replicas?.stopAll()
    await database?.drop()
  })

  it('a long poll on one replica wakes for a job submitted on another, as soon as for one submitted on its own', async (t) => {
    const [a, b] = replicas.running
    await registered(b, keys, 'waker')
    // How long after the submit's answer the poll on b answers with the job, submitted on a or on b.
    const wake = async (submitTo: Replica, round: number): Promise<number> => {
      const poll = b.request<JobBody | null>('/v1/jobs/available?miner_id=waker&wait=30', {key: keys.miner_key})
      await sleep(300)
      const job = await submitTo.request<JobBody>('/v1/jobs', {key: keys.client_key, body: {prompt: `wake ${round} via ${submitTo.name}`, model: 'wake-model'}})
      const answered = Date.now()
      assert.equal(job.status, 201)
      const answer = await poll
      const ms = Date.now() - answered
      assert.equal(answer.body?.job_id, job.body.job_id)
      assert.equal((await b.request(`/v1/jobs/${job.body.job_id}/cancel`, {key: keys.client_key, method: 'POST'})).status, 200)
      return ms
    }
    const across: number[] = []
    const same: number[] = []
    for (let round = 0; round < 4; round++) {
      across.push(await wake(a, round))
      same.push(await wake(b, round))
    }
    t.diagnostic(`wake after the submit's answer (ms): across replicas ${across.join(', ')}; on one replica ${same.join(', ')}`)
    // Both travel the same way (NOTIFY at the commit, heard on each replica's LISTEN connection); a
    // bound of half a second over the single replica's median allows for the busy machine's noise.
    assert.ok(median(across) <= median(same) + 500, `across replicas ${across.join(', ')} ms; on one replica ${same.join(', ')} ms`)
    assert.ok(Math.max(...across) < 10_000, `woken after ${Math.max(...across)} ms of a 30 s wait`)
  })

  it('claim-next: miners racing on every replica each get a different job, claimed once; a poll waits on one replica for a job submitted on another', async () => {
    const miners = Array.from({length: 9}, (_, i) => ({minerId: `next-${i}`, replica: replicas.running[i % 3]}))
    for (const {minerId, replica} of miners) await registered(replica, keys, minerId)
    const [a, b] = replicas.running
    const jobs: string[] = []
    for (let i = 0; i < 4; i++) {
      const job = await a.request<JobBody>('/v1/jobs', {key: keys.client_key, body: {prompt: `next ${i}`, model: 'wake-model'}})
      assert.equal(job.status, 201)
      jobs.push(job.body.job_id)
    }
    const claimNext = (replica: Replica, minerId: string, wait: number) =>
      replica.request<JobBody | null>('/v1/miners/claim-next', {key: keys.miner_key, body: {miner_id: minerId, wait}})
    const answers = await Promise.all(miners.map(({minerId, replica}) => claimNext(replica, minerId, 0)))
    for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body))
    const won = answers.flatMap((answer) => (answer.body ? [answer.body] : []))
    assert.deepEqual(won.map((job) => job.job_id).sort(), [...jobs].sort(), 'each job exactly once')
    for (const job of won) assert.equal(job.status, 'running')

    const poll = claimNext(b, 'next-1', 30)
    await sleep(500)
    const submitted = Date.now()
    const job = await a.request<JobBody>('/v1/jobs', {key: keys.client_key, body: {prompt: 'next wake', model: 'wake-model'}})
    const answer = await poll
    assert.equal(answer.body?.job_id, job.body.job_id)
    assert.equal(answer.body?.miner_id, 'next-1')
    assert.ok(Date.now() - submitted < 20_000, `woken after ${Date.now() - submitted} ms of a 30 s wait`)
    for (const id of [...jobs, job.body.job_id]) assert.equal((await b.request(`/v1/jobs/${id}/cancel`, {key: keys.client_key, method: 'POST'})).status, 200)
  })

  it('a key made on one replica works on another at once; revoked on one, it is refused on the others', async () => {
    const [a, b, c] = replicas.running
    const made = await a.request<{api_key: string}>('/v1/admin/keys', {key: keys.admin_key, body: {role: 'client', name: 'roaming'}})
    assert.equal(made.status, 201)
    assert.equal((await b.request('/v1/jobs?limit=1', {key: made.body.api_key})).status, 200, 'the new key on another replica')
    assert.equal((await c.request('/v1/jobs?limit=1', {key: made.body.api_key})).status, 200)
    assert.equal((await b.request('/v1/admin/keys/roaming', {key: keys.admin_key, method: 'DELETE'})).status, 200)
    assert.equal((await b.request('/v1/jobs?limit=1', {key: made.body.api_key})).status, 401, 'refused where it was revoked')
    // Elsewhere within the NOTIFY's latency (about a millisecond); bounded generously for the busy machine.
    for (const replica of [a, c]) {
      const deadline = Date.now() + 5000
      while ((await replica.request('/v1/jobs?limit=1', {key: made.body.api_key})).status !== 401) {
        assert.ok(Date.now() < deadline, `${replica.name} still accepts a key revoked on ${b.name}`)
        await sleep(20)
      }
    }
  })

  it('every acknowledged job once, claimed once, completed once; receipts and the chain verify', async () => {
    const acked = await load.submitPhase('calm')
    await load.waitFinished(acked)
    await checkAll(acked, {claimedOnce: true})
  })

  it('SIGSTOP of the block sealer past its lease mid-load: another takes over and seals; continued, it forks nothing; the chain holds', async (t) => {
    const sealer = await eventuallySealer()
    const survivor = replicas.running.find((replica) => replica !== sealer)!
    const before = await head(survivor)
    const phase = load.submitPhase('stop-sealer')
    await load.waitAcknowledged(SUBMITTERS * 2)
    sealer.process.signal('SIGSTOP')
    const stopped = Date.now()
    try {
      await eventuallySealer((replica) => replica !== sealer)
      await waitForHeightAbove(survivor, before)
    } finally {
      sealer.process.signal('SIGCONT')
    }
    const takeoverMs = Date.now() - stopped
    t.diagnostic(`another replica sealed a block ${takeoverMs} ms after the sealer was stopped (lease ${LEADER_LEASE_SECONDS} s)`)
    assert.ok(takeoverMs < LEADER_LEASE_SECONDS * 1000 + 15_000, `another replica sealed ${takeoverMs} ms after the sealer stopped`)
    const acked = await phase
    await load.waitFinished(acked)
    await checkAll(acked, {claimedOnce: false})
  })

  it('SIGKILL of one replica mid-load: the others serve its miners and submitters; nothing lost or doubled', async () => {
    const sealer = await eventuallySealer()
    const victim = replicas.running.find((replica) => replica !== sealer)!
    const phase = load.submitPhase('kill-one')
    await load.waitAcknowledged(SUBMITTERS * 2)
    await replicas.kill(victim)
    const acked = await phase
    await load.waitFinished(acked)
    await checkAll(acked, {claimedOnce: false})
  })

  it('SIGKILL of the block sealer mid-load, three times in a row: each time another replica takes over; the chain never forks, skips or repeats', async (t) => {
    // Two more replicas, so that three sealers can die and one replica is left.
    for (const name of ['replica-3', 'replica-4']) {
      const replica = await replicas.start(name, ['--lease-seconds', String(LEASE_SECONDS), '--leader-lease', String(LEADER_LEASE_SECONDS), '--rate-limit', '0'], withApplicationName(name))
      await registered(replica, keys, `spare-${name}`)
    }
    const phase = load.submitPhase('kill-sealer')
    await load.waitAcknowledged(SUBMITTERS * 2)
    const killed: string[] = []
    for (let kill = 0; kill < 3; kill++) {
      const sealer = await eventuallySealer()
      assert.ok(!killed.includes(sealer.name))
      const other = replicas.running.find((replica) => replica !== sealer)!
      const before = await head(other)
      await replicas.kill(sealer)
      killed.push(sealer.name)
      const died = Date.now()
      // The next sealer seals a block of its own (a job submitted and cancelled: something to seal,
      // should the load's jobs be done) before it dies in turn.
      await eventuallySealer((replica) => replica !== sealer)
      const job = await other.request<JobBody>('/v1/jobs', {key: keys.client_key, body: {prompt: `to seal after kill ${kill}`, model: 'wake-model'}})
      assert.equal(job.status, 201, JSON.stringify(job.body))
      assert.equal((await other.request(`/v1/jobs/${job.body.job_id}/cancel`, {key: keys.client_key, method: 'POST'})).status, 200)
      await waitForHeightAbove(other, before)
      const takeoverMs = Date.now() - died
      t.diagnostic(`kill ${kill + 1}: ${sealer.name} killed; a block from another sealer ${takeoverMs} ms later`)
      // Within a few seconds (--leader-retry 0.2 here); the bound leaves room for the busy machine.
      assert.ok(takeoverMs < 15_000, `a block from another sealer only ${takeoverMs} ms after ${sealer.name} was killed`)
    }
    const acked = await phase
    await load.waitFinished(acked)
    const survivor = replicas.running[0]
    assert.equal(replicas.running.length, 1)
    await waitForSealed(survivor.url, 30_000)
    await checkAll(acked, {claimedOnce: false})
  })

  /** The replica whose connection holds the block-sealing advisory lock (by application_name). */
  let sealerName: string | undefined
  function sealerReplica(): Replica | undefined {
    return replicas.running.find((replica) => replica.name === sealerName)
  }

  async function eventuallySealer(which: (replica: Replica) => boolean = () => true): Promise<Replica> {
    const deadline = Date.now() + 30_000
    for (;;) {
      sealerName = await lockHolder(database!.url, lockKey('public', 'block_sealer'))
      const replica = sealerReplica()
      if (replica && which(replica)) return replica
      assert.ok(Date.now() < deadline, 'no live replica took the block-sealing lead within 30 s')
      await sleep(200)
    }
  }

  async function checkAll(acked: Map<string, string>, {claimedOnce}: {claimedOnce: boolean}): Promise<void> {
    const survivor = replicas.running[0]
    await waitForSealed(survivor.url, 30_000)
    const state = await snapshot(survivor.url, keys.admin_key)
    // Every acknowledged job is there, once (retries of a submit under its key made no second job).
    for (const [idempotencyKey, jobId] of acked) assert.ok(state.jobs.has(jobId), `acknowledged job ${jobId} (${idempotencyKey}) is missing`)
    const prompts = [...state.jobs.values()].map((job) => job.prompt as string)
    assert.equal(new Set(prompts).size, prompts.length, 'a prompt (one per idempotency key) became two jobs')
    for (const jobId of acked.values()) assert.equal(state.jobs.get(jobId)!.status, 'completed', `job ${jobId}`)
    assertReceiptsMatchJobs(state, trusted)
    const ledger = await auditLedger(survivor.url, trusted)
    assertLedgerCovers(state, ledger)
    const claims = count(ledger.transactions, 'job_claimed')
    for (const jobId of acked.values()) {
      const job = state.jobs.get(jobId)!
      assert.equal(claims.get(jobId), job.attempts, `job ${jobId}: claimed ${claims.get(jobId)} times in ${job.attempts} attempts`)
      if (claimedOnce) assert.equal(job.attempts, 1, `job ${jobId} was claimed ${job.attempts} times`)
      // Each claim a miner was told it won is a separate attempt: two miners never held one attempt.
      assert.ok((load.claimsWon.get(jobId) ?? 0) <= job.attempts, `job ${jobId}: ${load.claimsWon.get(jobId)} claims answered 200 for ${job.attempts} attempts`)
    }
    const verify = await explorerVerify(survivor.url, keys.key_id)
    assert.equal(verify.code, 0, verify.stderr)
    assert.match(verify.stdout, /^Chain holds: blocks 0 to \d+/m)
  }
})

/** Submitters and miners in this process, each talking to one replica and moving to another when it dies. */
class Load {
  /** Job id -> claims answered 200. */
  readonly claimsWon = new Map<string, number>()
  private keys!: DatabaseKeys
  private replicas!: Replicas
  private stopped = false
  /** Ends the miners' long polls at stop(). */
  private readonly stopping = new AbortController()
  private miners: Promise<void>[] = []
  private acknowledged = 0

  start(keys: DatabaseKeys, replicas: Replicas, _trusted: ReadonlySet<string>): void {
    this.keys = keys
    this.replicas = replicas
    this.miners = Array.from({length: MINERS}, (_, i) => this.mine(`rig-${i}`, i))
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.stopping.abort()
    await Promise.allSettled(this.miners)
  }

  /** Each submitter sends JOBS_EACH jobs, each under its own Idempotency-Key, retried on another replica if one fails. */
  async submitPhase(phase: string): Promise<Map<string, string>> {
    this.acknowledged = 0
    const acked = new Map<string, string>()
    await Promise.all(
      Array.from({length: SUBMITTERS}, async (_, s) => {
        for (let i = 0; i < JOBS_EACH; i++) {
          const key = `${phase}-${s}-${i}`
          const res = await this.anyReplica(s, (replica) =>
            replica.request<JobBody>('/v1/jobs', {key: this.keys.client_key, body: {prompt: `job ${key}`, model: 'llama3.2'}, headers: {'Idempotency-Key': key}}),
          )
          assert.equal(res.status, 201, JSON.stringify(res.body))
          acked.set(key, res.body.job_id)
          this.acknowledged++
        }
      }),
    )
    return acked
  }

  async waitAcknowledged(count: number): Promise<void> {
    const deadline = Date.now() + PHASE_BOUND_MS
    while (this.acknowledged < count) {
      assert.ok(Date.now() < deadline, `only ${this.acknowledged} of ${count} submits acknowledged`)
      await sleep(20)
    }
  }

  async waitFinished(acked: Map<string, string>): Promise<void> {
    const deadline = Date.now() + PHASE_BOUND_MS
    // Completed is final: only the jobs not seen completed yet are asked after again.
    let waiting = [...acked.values()]
    for (;;) {
      const replica = this.replicas.running[0]
      const open: string[] = []
      for (const jobId of waiting) {
        const job = await replica.request<JobBody>(`/v1/jobs/${jobId}`, {key: this.keys.admin_key})
        if (job.body.status !== 'completed') open.push(`${jobId} ${job.body.status}`)
      }
      waiting = open.map((entry) => entry.split(' ')[0])
      if (!open.length) return
      assert.ok(Date.now() < deadline, `jobs not completed within ${PHASE_BOUND_MS / 1000} s: ${open.join(', ')}`)
      await sleep(500)
    }
  }

  /** A miner: registers, polls, claims and completes on its replica; moves to the next one when its replica fails. */
  private async mine(minerId: string, start: number): Promise<void> {
    let at = start
    let registeredAt: Replica | undefined
    while (!this.stopped) {
      const replica = this.replicas.running[at % this.replicas.running.length]
      if (!replica) return
      try {
        if (registeredAt !== replica) {
          const res = await replica.request('/v1/miners/register', {key: this.keys.miner_key, body: {miner_id: minerId, capabilities: ['llama3.2']}})
          assert.equal(res.status, 201, JSON.stringify(res.body))
          registeredAt = replica
        }
        const offered = await replica.request<JobBody | null>(`/v1/jobs/available?miner_id=${minerId}&wait=${MINER_WAIT_SECONDS}`, {
          key: this.keys.miner_key,
          signal: AbortSignal.any([AbortSignal.timeout(30_000), this.stopping.signal]),
        })
        if (offered.status !== 200 || !offered.body) continue
        const jobId = offered.body.job_id
        const claimed = await replica.request<JobBody>(`/v1/jobs/${jobId}/claim`, {key: this.keys.miner_key, body: {miner_id: minerId}})
        if (claimed.status !== 200) continue
        this.claimsWon.set(jobId, (this.claimsWon.get(jobId) ?? 0) + 1)
        await this.complete(minerId, jobId, at)
      } catch {
        // The replica died (or its answer was lost): the next one.
        at++
      }
    }
  }

  /** Completes on any replica; an answer lost with a dying replica is retried (a 409 then says it is done). */
  private async complete(minerId: string, jobId: string, at: number): Promise<void> {
    for (let attempt = 0; attempt < 10 && !this.stopped; attempt++) {
      const replica = this.replicas.running[(at + attempt) % this.replicas.running.length]
      try {
        const res = await replica.request<ReceiptBody>(`/v1/jobs/${jobId}/complete`, {key: this.keys.miner_key, body: {miner_id: minerId, result: `done ${jobId}`}})
        if (res.status === 200 || res.status === 409) return
      } catch {
        // Try the next replica.
      }
    }
  }

  private async anyReplica<T>(start: number, send: (replica: Replica) => Promise<TestResponse<T>>): Promise<TestResponse<T>> {
    let lastError: unknown
    for (let attempt = 0; attempt < 20; attempt++) {
      const replica = this.replicas.running[(start + attempt) % this.replicas.running.length]
      try {
        return await send(replica)
      } catch (error) {
        lastError = error
        await sleep(100)
      }
    }
    throw lastError
  }
}

function withApplicationName(name: string): (url: string) => string {
  return (url) => {
    const parsed = new URL(url)
    parsed.searchParams.set('application_name', name)
    return parsed.toString()
  }
}

async function registered(replica: Replica, keys: DatabaseKeys, minerId: string): Promise<void> {
  const res = await replica.request('/v1/miners/register', {key: keys.miner_key, body: {miner_id: minerId, capabilities: ['wake-model']}})
  assert.equal(res.status, 201, JSON.stringify(res.body))
}

async function waitForHeightAbove(replica: Replica, height: number): Promise<void> {
  const deadline = Date.now() + 30_000
  while ((await head(replica)) <= height) {
    assert.ok(Date.now() < deadline, `no block above ${height} within 30 s`)
    await sleep(100)
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y)
  return sorted[Math.floor(sorted.length / 2)]
}

async function head(replica: Replica): Promise<number> {
  const [block] = (await requestJson<{height: number}[]>(replica.url, '/explorer/blocks?limit=1')).body
  return block.height
}

async function lockHolder(url: string, [classid, objid]: [number, number]): Promise<string | undefined> {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    const {rows} = await client.query<{name: string}>(
      `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 2 AND l.granted`,
      [classid, objid],
    )
    return rows[0]?.name
  } finally {
    await client.end()
  }
}

function count(transactions: readonly Transaction[], type: string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const tx of transactions) if (tx.type === type) counts.set(tx.data.job_id as string, (counts.get(tx.data.job_id as string) ?? 0) + 1)
  return counts
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
