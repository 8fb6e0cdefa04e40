// Moving up: `aitbc serve migrate --from-data-dir DIR --database URL` on a data directory with history
// (finished jobs with signed receipts in many blocks, written by the coordinator's own services), then
// a coordinator on the database: `explorer verify` passes over HTTP, every old receipt is served as it
// was and verifies against the same key, and new work goes on the same chain. The commands run in this
// process (a one-shot command: parsing, exit code and output as the binary's); the coordinator is one.
import assert from 'node:assert/strict'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {verifyReceipt} from '../../../src/protocol/receipt.js'
import {initDataDir, openDataDir} from '../../../src/server/data-dir.js'
import type {ReceiptRecord} from '../../../src/server/store/records.js'
import {seedFinishedJobs} from '../../../bench/lib/seed-history.js'
import {createTestDatabase, NO_SERVER} from '../store-conformance/test-database.js'
import {assertBuilt, startServe, type ServeProcess} from '../serve-process.js'
import {requestJson} from '../../helpers/server.js'
import {runCommand} from '../../helpers/run-command.js'
import {explorerVerify, sealedHeight, tempDir} from './replicas.js'

const database = await createTestDatabase()
const JOBS = 60

describe('serve migrate --from-data-dir', {skip: database ? false : NO_SERVER}, () => {
  let dataDir: string
  let keys: {admin_key: string; client_key: string; miner_key: string; key_id: string}
  let receipts: ReceiptRecord[]
  let head: number
  let serve: (ServeProcess & {url: string}) | undefined
  before(async () => {
    assertBuilt()
    dataDir = path.join(await tempDir('aitbc-migrate-'), 'data')
    keys = await initDataDir(dataDir)
    await seedFinishedJobs(dataDir, JOBS)
    const {store} = await openDataDir(dataDir)
    receipts = store.listReceipts({limit: 1_000_000, offset: 0})!
    head = store.headBlock()!.height
    await store.close()
  })
  after(async () => {
    serve?.signal('SIGKILL')
    await serve?.exited
    await database?.drop()
  })

  it('copies the whole history; explorer verify passes and every old receipt verifies on a server on the database', async () => {
    assert.equal(receipts.length, JOBS)
    assert.ok(head >= 1, 'the history spans blocks')
    const migrated = await runCommand(['serve', 'migrate', '--from-data-dir', dataDir, '--database', database!.url, '--json'])
    assert.equal(migrated.code, 0, migrated.stderr)
    const result = JSON.parse(migrated.stdout) as {key_id: string; counts: {jobs: number; receipts: number; blocks: number}}
    assert.equal(result.key_id, keys.key_id)
    assert.deepEqual([result.counts.jobs, result.counts.receipts, result.counts.blocks], [JOBS, JOBS, head + 1])

    // The replica takes the key from the data directory it came from.
    serve = await startServe(['--database', database!.url, '--data-dir', dataDir, '--port', '0', '--block-interval', '0.5'], 60_000)
    const verify = await explorerVerify(serve.url, keys.key_id)
    assert.equal(verify.code, 0, verify.stderr)
    assert.match(verify.stdout, new RegExp(`Chain holds: blocks 0 to ${head} .*${JOBS} receipts verified`))
    const trusted = new Set([keys.key_id])
    for (const receipt of receipts) {
      const served: ReceiptRecord = (await requestJson<ReceiptRecord>(serve.url, `/v1/receipts/${receipt.receipt_id}`, {key: keys.admin_key})).body
      assert.deepEqual(served, receipt, `receipt ${receipt.receipt_id} as served`)
      assert.equal(verifyReceipt(served, trusted), undefined)
    }

    // The ledger goes on: a new job is sealed in the block after the old head, linked to it.
    const job = await requestJson<{job_id: string}>(serve.url, '/v1/jobs', {key: keys.client_key, body: {prompt: 'after the move'}})
    assert.equal(job.status, 201)
    assert.equal(await sealedHeight(serve.url, job.body.job_id), head + 1)
    const again = await explorerVerify(serve.url, keys.key_id)
    assert.equal(again.code, 0, again.stderr)
  })

  it('refuses a database that already holds records, and leaves it and the data directory as they are', async () => {
    const twice = await runCommand(['serve', 'migrate', '--from-data-dir', dataDir, '--database', database!.url])
    assert.equal(twice.code, 1)
    assert.match(twice.stderr, /already holds/)
    const {store} = await openDataDir(dataDir)
    assert.equal(store.listReceipts({limit: 1_000_000, offset: 0})?.length, JOBS)
    await store.close()
    const missing = await runCommand(['serve', 'migrate', '--from-data-dir', path.join(dataDir, 'nope'), '--database', database!.url])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /is not initialised/)
  })
})
