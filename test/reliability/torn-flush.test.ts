// A SIGKILL in the middle of a flush leaves part of it on disk: lines in the files written first, none
// in the others, maybe half a line. The crash test found both outcomes (a job holding two receipts
// after its orphan receipt was loaded; a job that existed without its job_submitted transaction). Here
// the leftovers are made by hand, the way the store writes them (commit-log.ts: begin, files, done):
// a flush without its `done` is rolled back and the store opens; bytes no flush accounts for are refused.
import assert from 'node:assert/strict'
import {appendFile, readFile, stat, truncate} from 'node:fs/promises'
import path from 'node:path'
import {it} from 'node:test'

import {STORE_FILES} from '../../src/server/store/lowdb-store.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {assertError, claim, complete, register, runJob, submit} from '../server/fixtures.js'

const HISTORY = [STORE_FILES.miners, STORE_FILES.receipts, STORE_FILES.jobs, STORE_FILES.transactions, STORE_FILES.blocks]
const readAll = (dir: string) => Promise.all(Object.values(STORE_FILES).map((name) => readFile(path.join(dir, name), 'utf8')))

/** Starts a flush as the store does: `begin` with the sizes the files will reach once `lines` are appended. */
async function beginFlush(dir: string, lines: Partial<Record<string, string>>): Promise<void> {
  const sizes = Object.fromEntries(
    await Promise.all(HISTORY.map(async (name) => [name, (await stat(path.join(dir, name))).size + Buffer.byteLength(lines[name] ?? '')])),
  )
  await appendFile(path.join(dir, STORE_FILES.commits), `${JSON.stringify({begin: sizes})}\n`)
}

async function stopped(): Promise<{server: TestServer; receipt: {receipt_id: string; job_id: string}; pendingJobId: string}> {
  const server = await startTestServer()
  await register(server, 'rig', ['llama3.2'])
  const {receipt} = await runJob(server, 'done before the crash', 'rig')
  const pendingJobId = (await submit(server, {prompt: 'still pending'})).job_id
  await server.stop()
  return {server, receipt, pendingJobId}
}

it('a flush a crash cut short is rolled back, and the store opens and goes on', async () => {
  const {server: first, receipt, pendingJobId} = await stopped()
  const dir = first.dataDir
  const committed = await readAll(dir)

  // The flush of a `complete`: its receipt made it, its job line only half, its transactions not at all.
  const orphan = `${JSON.stringify({...receipt, receipt_id: 'rcpt_orphan', job_id: pendingJobId})}\n`
  const jobLine = `{"job_id":"${pendingJobId}","status":"completed","receipt_id":"rcpt_orphan"}\n`
  await beginFlush(dir, {[STORE_FILES.receipts]: orphan, [STORE_FILES.jobs]: jobLine, [STORE_FILES.transactions]: '{"seq":99}\n'})
  await appendFile(path.join(dir, STORE_FILES.receipts), orphan)
  await appendFile(path.join(dir, STORE_FILES.jobs), jobLine.slice(0, 30))

  const second = await startTestServer({dataDir: dir, keys: first})
  try {
    assertError(await second.request('/v1/receipts/rcpt_orphan', {key: second.adminKey}), 404, 'not_found')
    assert.equal((await second.request<{status: string}>(`/v1/jobs/${pendingJobId}`, {key: second.clientKey})).body.status, 'pending')
    assert.deepEqual(await readAll(dir), committed, 'the files and the commit log are back to the last finished flush')
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
})

it('a flush whose files were all written is kept, its `done` missing or cut', async () => {
  for (const doneWritten of ['', '{"done":{"recei']) {
    const {server, pendingJobId} = await stopped()
    const dir = server.dataDir
    const jobs = (await readFile(path.join(dir, STORE_FILES.jobs), 'utf8')).trim().split('\n')
    const cancelled = `${JSON.stringify({...JSON.parse(jobs.filter((line) => line.includes(pendingJobId)).at(-1)!), status: 'cancelled'})}\n`
    await beginFlush(dir, {[STORE_FILES.jobs]: cancelled})
    await appendFile(path.join(dir, STORE_FILES.jobs), cancelled)
    await appendFile(path.join(dir, STORE_FILES.commits), doneWritten)
    const again = await startTestServer({dataDir: dir, keys: server})
    assert.equal((await again.request<{status: string}>(`/v1/jobs/${pendingJobId}`, {key: again.clientKey})).body.status, 'cancelled')
    // The log is finished, so the next flush and the next open go on from it.
    await submit(again, {prompt: 'after'})
    const third = await again.restart()
    assert.equal((await third.request<unknown[]>('/v1/jobs?limit=100', {key: third.clientKey})).body.length, 3)
    await third.stop()
    await server.close()
  }
})

it('a crash while the commit log line itself was written leaves a store that opens unchanged', async () => {
  const {server, pendingJobId} = await stopped()
  const committed = await readAll(server.dataDir)
  await appendFile(path.join(server.dataDir, STORE_FILES.commits), '{"begin":{"receipts.js')
  const again = await startTestServer({dataDir: server.dataDir, keys: server})
  assert.equal((await again.request(`/v1/jobs/${pendingJobId}`, {key: again.clientKey})).status, 200)
  await again.stop()
  assert.deepEqual(await readAll(server.dataDir), committed)
  await server.close()
})

it('bytes no flush accounts for, and files cut after their flush finished, are refused without a change', async () => {
  const cases: [string, (dir: string) => Promise<void>, RegExp][] = [
    ['appended without a flush', (dir) => appendFile(path.join(dir, STORE_FILES.transactions), '{"seq": 99}\n'), /transactions\.jsonl is \d+ bytes, more than the \d+ bytes commits\.jsonl accounts for/],
    [
      'not a record, inside a flush cut short',
      async (dir) => {
        await beginFlush(dir, {[STORE_FILES.transactions]: 'not a transaction\n'})
        await appendFile(path.join(dir, STORE_FILES.transactions), 'not a transaction\n')
      },
      /transactions\.jsonl, line \d+: not valid JSON/,
    ],
    ['truncated after its flush finished', async (dir) => truncate(path.join(dir, STORE_FILES.jobs), (await stat(path.join(dir, STORE_FILES.jobs))).size - 3), /jobs\.jsonl is \d+ bytes, shorter than the \d+ bytes committed to it/],
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
