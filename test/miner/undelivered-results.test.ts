import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'

import {MinerError} from '../../src/miner/errors.js'
import {type Delivery, UndeliveredResults} from '../../src/miner/undelivered-results.js'

const fileIn = () => path.join(mkdtempSync(path.join(tmpdir(), 'aitbc-undelivered-')), 'state', 'm1.undelivered.json')
const result: Delivery = {job_id: 'job_1', miner_id: 'm1', model: 'llama3.2', seconds: 1.5, kind: 'complete', result: 'private text', units: 3}
const failure: Delivery = {job_id: 'job_2', miner_id: 'm1', model: 'llama3.2', seconds: 0.1, kind: 'fail', error: 'boom'}

test('kept results survive a reopen, in a file only the owner can read; none left: no file', async () => {
  const file = fileIn()
  const first = await UndeliveredResults.open(file)
  await first.keep(result)
  await first.keep(failure)
  assert.equal(statSync(file).mode & 0o777, 0o600)
  const second = await UndeliveredResults.open(file)
  assert.deepEqual(second.list(), [result, failure])
  await second.forget('job_1')
  await second.forget('job_2')
  assert.equal(existsSync(file), false)
})

test('concurrent changes are written in order: the file ends as the memory does', async () => {
  const file = fileIn()
  const results = await UndeliveredResults.open(file)
  await Promise.all([results.keep(result), results.keep(failure), results.forget('job_1')])
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), [failure])
})

test('a file that is not undelivered results stops the start and is left as it was', async () => {
  const file = fileIn()
  await (await UndeliveredResults.open(file)).keep(result)
  writeFileSync(file, '{"not": "a list"')
  await assert.rejects(UndeliveredResults.open(file), (error: unknown) => {
    assert.ok(error instanceof MinerError)
    assert.match(error.message, /cannot be read as them/)
    assert.match(error.hint ?? '', /move it away/)
    return true
  })
  assert.equal(readFileSync(file, 'utf8'), '{"not": "a list"')
})

test('without a file it keeps results in memory only', async () => {
  const results = await UndeliveredResults.open()
  await results.keep(result)
  assert.equal(results.size, 1)
  assert.equal(results.file, undefined)
})
