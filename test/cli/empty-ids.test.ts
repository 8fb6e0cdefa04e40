// An empty id (what `JOB=$(aitbc jobs submit ...)` holds when the submit failed) is a usage error
// (exit 2) that says so, for every command that takes one; and the coordinator does not read
// `/v1/jobs/` (the empty id spelled into a path) as the job list. An id a table shortened to fit the
// terminal and pasted back is a usage error too, before any request.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {aitbc, assertExit} from './aitbc.js'
import {Coordinator} from './coordinator.js'

const COMMANDS: {args: string[]; role: 'admin' | 'client' | 'miner'; what: RegExp}[] = [
  {args: ['jobs', 'get', ''], role: 'client', what: /job id/},
  {args: ['jobs', 'result', ''], role: 'client', what: /job id/},
  {args: ['jobs', 'watch', ''], role: 'client', what: /job id/},
  {args: ['jobs', 'cancel', '', '--yes'], role: 'client', what: /job id/},
  {args: ['receipts', 'get', ''], role: 'client', what: /receipt id/},
  {args: ['receipts', 'get', '--job', ''], role: 'client', what: /job id/},
  {args: ['admin', 'keys', 'revoke', '', '--yes'], role: 'admin', what: /key name/},
  {args: ['miner', 'claim', '', '--miner-id', 'm1'], role: 'miner', what: /job id/},
  {args: ['miner', 'complete', '', '--miner-id', 'm1', '--result', 'x'], role: 'miner', what: /job id/},
  {args: ['miner', 'fail', '', '--miner-id', 'm1', '--error', 'x'], role: 'miner', what: /job id/},
  {args: ['keys', 'untrust', ''], role: 'client', what: /key id/},
]

describe('empty ids', {concurrency: 4}, () => {
  let coord: Coordinator
  before(async () => {
    coord = await Coordinator.start()
    await coord.submit('a job the list would show')
  })
  after(() => coord.close())

  for (const {args, role, what} of COMMANDS) {
    for (const empty of ['', '  ']) {
      const shown = args.map((arg) => (arg === '' ? JSON.stringify(empty) : arg)).join(' ')
      it(`aitbc ${shown} is a usage error`, async () => {
        const result = await aitbc(args.map((arg) => (arg === '' ? empty : arg)), {env: coord.env(role)})
        assertExit(result, 2)
        assert.match(result.stderr, /Error: The \w+ (id|name) is empty/)
        assert.match(result.stderr, what)
        assert.doesNotMatch(result.stderr, /bug in aitbc|no such endpoint|not allowed|Invalid time value/)
        assert.equal(result.stdout, '')
      })
    }
  }

  // What a table on a narrow terminal prints (src/cli/render.ts), pasted back.
  for (const {args, role, what} of COMMANDS) {
    const shown = args.map((arg) => (arg === '' ? 'job_01J…8BV31959' : arg)).join(' ')
    it(`aitbc ${shown} is a usage error that says the id is shortened`, async () => {
      const result = await aitbc(args.map((arg) => (arg === '' ? 'job_01J…8BV31959' : arg)), {env: coord.env(role)})
      assertExit(result, 2)
      assert.match(result.stderr, /Error: The \w+ (id|name) "job_01J…8BV31959" is shortened/)
      assert.match(result.stderr, what)
      assert.match(result.stderr, /--json|\| cat/)
      assert.equal(result.stdout, '')
    })
  }

  it('under --json the error document says the same', async () => {
    const result = await aitbc(['jobs', 'get', '', '--json'], {env: coord.env()})
    assertExit(result, 2)
    assert.match(JSON.parse(result.stdout).error.message, /The job id is empty/)
  })

  it('the coordinator answers GET /v1/jobs/ with 404, not the job list', async () => {
    for (const path of ['/v1/jobs/', '/v1/receipts/', '/v1/admin/keys/']) {
      const response = await coord.server.request<{error_code: string}>(path, {key: coord.server.adminKey})
      assert.equal(response.status, 404, `${path}: ${JSON.stringify(response.body)}`)
      assert.equal(response.body.error_code, 'not_found')
    }
    assert.equal((await coord.server.request('/v1/jobs', {key: coord.server.clientKey})).status, 200)
  })
})
