// What a crash in the middle of a flush leaves, made by hand the way the store writes (flush-log.ts: one
// record in commits.jsonl, synced, then the same bytes into the history files): a record cut short, or
// whose bytes never reached the disk, is dropped; a whole record is kept and written again into the
// history files, whatever of it they lost; bytes no record accounts for, or a file cut shorter than the
// checkpoint, are refused without a change. Stores from before the flush log (a commit log of `begin`
// and `done` lines, legacy-commit-log.ts) open with the same guarantees, and their log is migrated.
import assert from 'node:assert/strict'
import {appendFile, readFile, stat, truncate, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {it} from 'node:test'
import {crc32} from 'node:zlib'

import {STORE_FILES} from '../../src/server/store/lowdb-store.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {assertError, claim, complete, register, runJob, submit} from '../server/fixtures.js'

/** The history files in the order a flush record holds their bytes. */
const HISTORY = [STORE_FILES.miners, STORE_FILES.receipts, STORE_FILES.jobs, STORE_FILES.transactions, STORE_FILES.blocks]
const readAll = (dir: string) => Promise.all(Object.values(STORE_FILES).map((name) => readFile(path.join(dir, name), 'utf8')))
const sizesOf = async (dir: string) => Object.fromEntries(await Promise.all(HISTORY.map(async (name) => [name, (await stat(path.join(dir, name))).size])))

/** A flush record as the store writes it: the sizes the files reach once `lines` are appended, a crc, the bytes. */
async function flushRecord(dir: string, lines: Partial<Record<string, string>>): Promise<{header: string; bytes: Buffer}> {
  const before = await sizesOf(dir)
  const sizes = Object.fromEntries(HISTORY.map((name) => [name, before[name] + Buffer.byteLength(lines[name] ?? '')]))
  const bytes = Buffer.from(HISTORY.map((name) => lines[name] ?? '').join(''), 'utf8')
  return {header: `${JSON.stringify({flush: sizes, crc: crc32(bytes)})}\n`, bytes}
}

async function stopped(): Promise<{server: TestServer; receipt: {receipt_id: string; job_id: string}; pendingJobId: string}> {
  const server = await startTestServer()
  await register(server, 'rig', ['llama3.2'])
  const {receipt} = await runJob(server, 'done before the crash', 'rig')
  const pendingJobId = (await submit(server, {prompt: 'still pending'})).job_id
  await server.stop()
  return {server, receipt, pendingJobId}
}

/** The last version of a job in jobs.jsonl, with `status`: a line a flush would append. */
async function jobLine(dir: string, jobId: string, status: string): Promise<string> {
  const lines = (await readFile(path.join(dir, STORE_FILES.jobs), 'utf8')).trim().split('\n')
  return `${JSON.stringify({...JSON.parse(lines.filter((line) => line.includes(jobId)).at(-1)!), status})}\n`
}

it('a flush record a crash cut short (or whose bytes never reached the disk) is dropped, and the store opens and goes on', async () => {
  const cuts: [string, (header: string, bytes: Buffer) => Buffer][] = [
    ['header cut', (header) => Buffer.from(header.slice(0, 25))],
    ['bytes cut', (header, bytes) => Buffer.concat([Buffer.from(header), bytes.subarray(0, bytes.length - 7)])],
    ['bytes read as zeros', (header, bytes) => Buffer.concat([Buffer.from(header), Buffer.alloc(bytes.length)])],
  ]
  for (const [what, cut] of cuts) {
    const {server: first, receipt, pendingJobId} = await stopped()
    const dir = first.dataDir
    const committed = await readAll(dir)
    // The flush of a `complete`: never acknowledged, so none of it reached the history files.
    const orphan = `${JSON.stringify({...receipt, receipt_id: 'rcpt_orphan', job_id: pendingJobId})}\n`
    const {header, bytes} = await flushRecord(dir, {[STORE_FILES.receipts]: orphan, [STORE_FILES.jobs]: await jobLine(dir, pendingJobId, 'completed')})
    await appendFile(path.join(dir, STORE_FILES.commits), cut(header, bytes))

    const second = await startTestServer({dataDir: dir, keys: first})
    try {
      assertError(await second.request('/v1/receipts/rcpt_orphan', {key: second.adminKey}), 404, 'not_found')
      assert.equal((await second.request<{status: string}>(`/v1/jobs/${pendingJobId}`, {key: second.clientKey})).body.status, 'pending', what)
      assert.deepEqual(await readAll(dir), committed, `${what}: the files and the flush log are back to the last checkpoint`)
      // The job completes once, and all of it is there after a restart.
      await claim(second, pendingJobId, 'rig')
      await complete(second, pendingJobId, 'after the crash', 'rig')
      const third = await second.restart()
      const receipts = (await third.request<{job_id: string}[]>('/v1/receipts?limit=100', {key: third.adminKey})).body
      assert.deepEqual(receipts.map((r) => r.job_id).sort(), [receipt.job_id, pendingJobId].sort())
      await third.stop()
    } finally {
      await second.close()
      await first.close()
    }
  }
})

it('a whole flush record is kept, and written again into the history files whatever of it they lost', async () => {
  const losses: [string, (line: string) => string][] = [
    ['none of it', () => ''],
    ['half of it', (line) => line.slice(0, Math.floor(line.length / 2))],
    ['all of it', (line) => line],
  ]
  for (const [reached, part] of losses) {
    const {server, pendingJobId} = await stopped()
    const dir = server.dataDir
    const cancelled = await jobLine(dir, pendingJobId, 'cancelled')
    const {header, bytes} = await flushRecord(dir, {[STORE_FILES.jobs]: cancelled})
    await appendFile(path.join(dir, STORE_FILES.commits), Buffer.concat([Buffer.from(header), bytes]))
    await appendFile(path.join(dir, STORE_FILES.jobs), part(cancelled))
    const again = await startTestServer({dataDir: dir, keys: server})
    assert.equal((await again.request<{status: string}>(`/v1/jobs/${pendingJobId}`, {key: again.clientKey})).body.status, 'cancelled', reached)
    assert.ok((await readFile(path.join(dir, STORE_FILES.jobs), 'utf8')).endsWith(cancelled), `${reached}: jobs.jsonl holds the flush`)
    // The next flush and the next open go on from it.
    await submit(again, {prompt: 'after'})
    const third = await again.restart()
    assert.equal((await third.request<unknown[]>('/v1/jobs?limit=100', {key: third.clientKey})).body.length, 3)
    await third.stop()
    await server.close()
  }
})

it('bytes no flush accounts for, a record that is not one, and files cut shorter than the checkpoint are refused without a change', async () => {
  const cases: [string, (dir: string) => Promise<void>, RegExp][] = [
    ['appended without a flush', (dir) => appendFile(path.join(dir, STORE_FILES.transactions), '{"seq": 99}\n'), /transactions\.jsonl is \d+ bytes, more than the \d+ bytes commits\.jsonl accounts for/],
    [
      'not a record, inside a whole flush',
      async (dir) => {
        const {header, bytes} = await flushRecord(dir, {[STORE_FILES.transactions]: 'not a transaction\n'})
        await appendFile(path.join(dir, STORE_FILES.commits), Buffer.concat([Buffer.from(header), bytes]))
      },
      /transactions\.jsonl, line \d+: not valid JSON/,
    ],
    ['truncated after its checkpoint', async (dir) => truncate(path.join(dir, STORE_FILES.jobs), (await stat(path.join(dir, STORE_FILES.jobs))).size - 3), /jobs\.jsonl is \d+ bytes, shorter than the \d+ bytes committed to it/],
    ['the checkpoint line cut', async (dir) => truncate(path.join(dir, STORE_FILES.commits), 30), /commits\.jsonl: its checkpoint line is cut short/],
  ]
  for (const [what, damage, message] of cases) {
    const {server} = await stopped()
    await damage(server.dataDir)
    const before = await readAll(server.dataDir)
    await assert.rejects(startTestServer({dataDir: server.dataDir, keys: server}), message, what)
    assert.deepEqual(await readAll(server.dataDir), before, `${what}: nothing changed`)
    await server.close()
  }
})

it('a store from before the flush log opens, its flush cut short rolled back or its complete flush kept, and its log is migrated', async () => {
  for (const outcome of ['rolled back', 'kept']) {
    const {server, pendingJobId} = await stopped()
    const dir = server.dataDir
    // What the previous version left when a crash hit between its `begin` and `done` lines.
    const sizes = await sizesOf(dir)
    const cancelled = await jobLine(dir, pendingJobId, 'cancelled')
    const begun = {...sizes, [STORE_FILES.jobs]: sizes[STORE_FILES.jobs] + Buffer.byteLength(cancelled)}
    await writeFile(path.join(dir, STORE_FILES.commits), `${JSON.stringify({begin: sizes})}\n${JSON.stringify({done: sizes})}\n${JSON.stringify({begin: begun})}\n`)
    await appendFile(path.join(dir, STORE_FILES.jobs), outcome === 'kept' ? cancelled : cancelled.slice(0, 20))
    const again = await startTestServer({dataDir: dir, keys: server})
    assert.equal((await again.request<{status: string}>(`/v1/jobs/${pendingJobId}`, {key: again.clientKey})).body.status, outcome === 'kept' ? 'cancelled' : 'pending')
    const log = await readFile(path.join(dir, STORE_FILES.commits), 'utf8')
    assert.match(log.split('\n')[0], /^\{"checkpoint":/, 'the log is in the new format')
    await submit(again, {prompt: 'after'})
    const third = await again.restart()
    assert.equal((await third.request<unknown[]>('/v1/jobs?limit=100', {key: third.clientKey})).body.length, 3)
    await third.stop()
    await server.close()
  }
})
