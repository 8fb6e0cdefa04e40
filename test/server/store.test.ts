import assert from 'node:assert/strict'
import {appendFile, mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {initDataDir, openDataDir} from '../../src/server/data-dir.js'
import {STORE_FILES, LowdbStore} from '../../src/server/store/lowdb-store.js'
import type {JobRecord} from '../../src/server/store/records.js'
import {StoreCorruptError, StoreUnavailableError} from '../../src/server/store/store-errors.js'

let root: string
before(async () => (root = await mkdtemp(path.join(tmpdir(), 'aitbc-store-'))))
after(() => rm(root, {recursive: true, force: true}))

let counter = 0
async function freshDir(): Promise<string> {
  const dir = path.join(root, `d${counter++}`)
  await initDataDir(dir)
  return dir
}

function job(id: string, status: JobRecord['status'] = 'pending', client = 'alice'): JobRecord {
  return {job_id: id, status, prompt: 'p', model: 'm', params: {max_tokens: 1, temperature: 0, top_p: 1}, client, attempts: 0, created_at: new Date().toISOString()}
}

describe('LowdbStore', () => {
  it('concurrent commits share flushes (group commit)', async () => {
    const dir = await freshDir()
    const {store} = await openDataDir(dir)
    const before = store.flushCount
    await Promise.all(Array.from({length: 50}, (_, i) => (store.putJob(job(`job_${i}`)), store.commit())))
    assert.ok(store.flushCount - before <= 2, `${store.flushCount - before} flushes for 50 commits`)
    await store.close()
    const lines = (await readFile(path.join(dir, STORE_FILES.jobs), 'utf8')).trim().split('\n')
    assert.equal(lines.length, 50)
  })

  it('a job write appends to history and leaves the document and earlier lines alone', async () => {
    const dir = await freshDir()
    const {store} = await openDataDir(dir)
    store.putJob(job('job_a'))
    await store.commit()
    const docBefore = await stat(path.join(dir, STORE_FILES.doc))
    const historyBefore = await readFile(path.join(dir, STORE_FILES.jobs), 'utf8')
    store.putJob({...job('job_a'), status: 'running'})
    store.putJob(job('job_b'))
    await store.commit()
    const historyAfter = await readFile(path.join(dir, STORE_FILES.jobs), 'utf8')
    assert.ok(historyAfter.startsWith(historyBefore))
    assert.equal(historyAfter.split('\n').length, historyBefore.split('\n').length + 2)
    const docAfter = await stat(path.join(dir, STORE_FILES.doc))
    assert.equal(docAfter.mtimeMs, docBefore.mtimeMs)
    await store.close()
  })

  it('on load the last version of a job wins and the indexes are rebuilt', async () => {
    const dir = await freshDir()
    const first = await openDataDir(dir)
    first.store.putJob(job('job_1'))
    first.store.putJob(job('job_2'))
    first.store.putJob({...job('job_1'), status: 'completed'})
    await first.store.close()
    const {store} = await openDataDir(dir)
    assert.equal(store.getJob('job_1')?.status, 'completed')
    assert.deepEqual(store.listJobs({client: 'alice', limit: 10, offset: 0}).map((j) => j.job_id), ['job_2', 'job_1'])
    assert.deepEqual(store.listJobs({status: 'pending', limit: 10, offset: 0}).map((j) => j.job_id), ['job_2'])
    assert.equal(store.oldestPendingJob(['m'])?.job_id, 'job_2')
    await store.close()
  })

  it('a requeued job goes back to its place in submit order', async () => {
    const dir = await freshDir()
    const {store} = await openDataDir(dir)
    store.putJob(job('job_old'))
    store.putJob(job('job_new'))
    store.putJob({...job('job_old'), status: 'running'})
    assert.equal(store.oldestPendingJob(['m'])?.job_id, 'job_new')
    store.putJob({...job('job_old'), status: 'pending'})
    assert.equal(store.oldestPendingJob(['m'])?.job_id, 'job_old')
    await store.close()
  })
  it('once closing, a change is refused: nothing may race the last flush, the checkpoint and the history index', async () => {
    const dir = await freshDir()
    const {store} = await openDataDir(dir)
    store.putJob(job('job_before'))
    const closing = store.close()
    assert.throws(() => store.putJob(job('job_during')), (error: Error) => error instanceof StoreUnavailableError && /the store is closed/.test(error.message))
    await closing
    const reopened = (await openDataDir(dir)).store
    assert.equal(reopened.getJob('job_before')?.status, 'pending', 'what came before the close is kept')
    assert.equal(reopened.getJob('job_during'), undefined)
    await reopened.close()
  })
})

describe('refusing bad data', () => {
  async function expectRefusal(dir: string, pattern: RegExp): Promise<void> {
    const files = Object.values(STORE_FILES).map((name) => path.join(dir, name))
    const before = await Promise.all(files.map((file) => readFile(file, 'utf8')))
    await assert.rejects(openDataDir(dir), (error: Error) => {
      assert.match(error.message, pattern)
      return true
    })
    // Never overwritten.
    assert.deepEqual(await Promise.all(files.map((file) => readFile(file, 'utf8'))), before)
  }

  /** Appends to a history file as a checkpointed flush would: the lines, then the flush log's checkpoint line with the new sizes. */
  async function appendCommitted(dir: string, name: string, text: string): Promise<void> {
    await appendFile(path.join(dir, name), text)
    const history = [STORE_FILES.miners, STORE_FILES.receipts, STORE_FILES.jobs, STORE_FILES.transactions, STORE_FILES.blocks]
    const sizes = Object.fromEntries(await Promise.all(history.map(async (file) => [file, (await stat(path.join(dir, file))).size])))
    await writeFile(path.join(dir, STORE_FILES.commits), `${JSON.stringify({checkpoint: sizes})}\n`)
  }

  it('a line that is not JSON names the file and line', async () => {
    const dir = await freshDir()
    await appendCommitted(dir, STORE_FILES.transactions, '{"seq": 1}\nnot json\n')
    await expectRefusal(dir, /transactions\.jsonl, line 1: transaction record without a valid tx_hash/)
    const dir2 = await freshDir()
    await appendCommitted(dir2, STORE_FILES.jobs, `${JSON.stringify(job('job_x'))}\n{oops\n`)
    await expectRefusal(dir2, /jobs\.jsonl, line 2: not valid JSON/)
  })

  it('bytes the commit log does not account for are refused', async () => {
    const dir = await freshDir()
    await appendFile(path.join(dir, STORE_FILES.receipts), 'x\n')
    await expectRefusal(dir, /receipts\.jsonl is 2 bytes, more than the 0 bytes commits\.jsonl accounts for/)
  })

  it('a file cut shorter than what was committed to it is refused, not dropped', async () => {
    const dir = await freshDir()
    const {store} = await openDataDir(dir)
    store.putJob(job('job_x'))
    await store.close()
    const jobs = path.join(dir, STORE_FILES.jobs)
    await writeFile(jobs, (await readFile(jobs, 'utf8')).slice(0, -5))
    await expectRefusal(dir, /jobs\.jsonl is \d+ bytes, shorter than the \d+ bytes committed to it/)
  })

  it('a corrupt document, a broken chain or a missing file is refused', async () => {
    const dir = await freshDir()
    await writeFile(path.join(dir, STORE_FILES.doc), '{"meta": ')
    await expectRefusal(dir, /coordinator\.json/)
    const dir2 = await freshDir()
    const blocks = path.join(dir2, STORE_FILES.blocks)
    // Changed in place (same length, so within what was committed): the chain no longer starts at 0.
    await writeFile(blocks, (await readFile(blocks, 'utf8')).replace('"height":0', '"height":1'))
    await expectRefusal(dir2, /blocks\.jsonl, line 1: block height 1 does not follow -1/)
    const dir3 = await freshDir()
    await rm(path.join(dir3, STORE_FILES.receipts))
    await assert.rejects(openDataDir(dir3), /receipts\.jsonl is missing/)
  })

  it('a signing key readable by others is refused with the chmod to run', async () => {
    const {chmod} = await import('node:fs/promises')
    const dir = await freshDir()
    const keyFile = path.join(dir, 'signing-key.pem')
    await chmod(keyFile, 0o644)
    await assert.rejects(openDataDir(dir), new RegExp(`chmod 600 ${keyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
  })

  it('an interrupted init is neither reused nor overwritten', async () => {
    const dir = await freshDir()
    await rm(path.join(dir, STORE_FILES.doc))
    await assert.rejects(openDataDir(dir), /partly initialised/)
    await assert.rejects(initDataDir(dir), /partly initialised/)
    await assert.rejects(LowdbStore.create(dir, {format: 1, created_at: '', signing_key_id: ''}), /EEXIST/)
  })

  it('init refuses an initialised directory', async () => {
    const dir = await freshDir()
    await assert.rejects(initDataDir(dir), /already initialised/)
  })

  it('corruption errors are StoreCorruptError underneath', async () => {
    const dir = await freshDir()
    await appendFile(path.join(dir, STORE_FILES.receipts), 'x\n')
    await assert.rejects(LowdbStore.open(dir), StoreCorruptError)
  })
})
