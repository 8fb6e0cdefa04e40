// A SIGKILL in the middle of a flush leaves part of it on disk: lines in the files written first, none
// in the others, maybe half a line. The crash test found both outcomes (a job holding two receipts after
// its orphan receipt was loaded; a job that existed without its job_submitted transaction). Here the
// leftovers are made by hand: they must be dropped, and the store must open.
import assert from 'node:assert/strict'
import {appendFile, readFile} from 'node:fs/promises'
import path from 'node:path'
import {it} from 'node:test'

import {STORE_FILES} from '../../src/server/store/lowdb-store.js'
import {startTestServer} from '../helpers/server.js'
import {assertError, register, runJob, submit} from '../server/fixtures.js'

const files = Object.values(STORE_FILES)
const readAll = (dir: string) => Promise.all(files.map((name) => readFile(path.join(dir, name), 'utf8')))

it('what a crash left of a flush past the last commit is dropped, and the store opens', async () => {
  const first = await startTestServer()
  await register(first, 'rig', ['llama3.2'])
  const {receipt} = await runJob(first, 'done before the crash', 'rig')
  const pending = await submit(first, {prompt: 'still pending'})
  await first.stop()
  const committed = await readAll(first.dataDir)

  // A flush of `complete` cut short: its receipt made it, its job line only half, the rest not at all.
  const receipts = path.join(first.dataDir, STORE_FILES.receipts)
  const orphan = {...receipt, receipt_id: 'rcpt_orphan', job_id: pending.job_id}
  await appendFile(receipts, `${JSON.stringify(orphan)}\n`)
  await appendFile(path.join(first.dataDir, STORE_FILES.jobs), `{"job_id":"${pending.job_id}","status":"compl`)
  await appendFile(path.join(first.dataDir, STORE_FILES.commits), '{"receipts":')

  const second = await startTestServer({dataDir: first.dataDir, keys: first})
  try {
    assertError(await second.request('/v1/receipts/rcpt_orphan', {key: second.adminKey}), 404, 'not_found')
    assert.equal((await second.request<{status: string}>(`/v1/jobs/${pending.job_id}`, {key: second.clientKey})).body.status, 'pending')
    assert.deepEqual(await readAll(first.dataDir), committed, 'the files are cut back to what was committed')
    // And the store goes on: the pending job completes once, and all of it is there after a restart.
    await second.request(`/v1/jobs/${pending.job_id}/claim`, {key: second.minerKey, method: 'POST', body: {miner_id: 'rig'}})
    const done = await second.request<{receipt_id: string}>(`/v1/jobs/${pending.job_id}/complete`, {
      key: second.minerKey, method: 'POST', body: {miner_id: 'rig', result: 'after the crash'},
    })
    assert.equal(done.status, 200)
    const third = await second.restart()
    const list = await third.request<{job_id: string}[]>(`/v1/receipts?limit=100`, {key: third.adminKey})
    assert.deepEqual(list.body.map((r) => r.job_id).sort(), [receipt.job_id, pending.job_id].sort())
    await third.close()
  } finally {
    await second.close()
    await first.close()
  }
})

it('past the last commit, a line that is not a record a flush writes is corruption: refused, nothing changed', async () => {
  const server = await startTestServer()
  await submit(server)
  await server.stop()
  const transactions = path.join(server.dataDir, STORE_FILES.transactions)
  await appendFile(transactions, '{"seq": 99}\n')
  const before = await readAll(server.dataDir)
  await assert.rejects(startTestServer({dataDir: server.dataDir, keys: server}), /transactions\.jsonl, line 2: transaction record without a valid tx_hash/)
  assert.deepEqual(await readAll(server.dataDir), before)
  await server.close()
})
