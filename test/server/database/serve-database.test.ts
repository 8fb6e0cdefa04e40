// `aitbc serve --database` as processes on a real PostgreSQL, on a database `aitbc serve init
// --database` made: the coordinator's whole API on the database, signed with the key file every replica
// shares, checked against the key the database was made with. The one-shot runs (that init, and the
// refusals to start) run in this process: parsing, exit code and output as the binary's.
import assert from 'node:assert/strict'
import {readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {verifyReceipt} from '../../../src/protocol/receipt.js'
import {createSigningKey} from '../../../src/server/signing-key.js'
import {BIN} from '../../helpers/cli.js'
import {startProcess, withEnv} from '../../helpers/process.js'
import {runCommand} from '../../helpers/run-command.js'
import {createTestDatabase, NO_SERVER} from '../store-conformance/test-database.js'
import {assertBuilt, refusedRun} from '../serve-process.js'
import {explorerVerify, Replicas, sealedHeight, tempDir, type DatabaseKeys} from './replicas.js'

const database = await createTestDatabase()

describe('serve on PostgreSQL', {skip: database ? false : NO_SERVER}, () => {
  let dir: string
  let keyFile: string
  let keys: DatabaseKeys
  let replicas: Replicas
  before(async () => {
    assertBuilt()
    dir = await tempDir('aitbc-db-')
    keyFile = path.join(dir, 'signing-key.pem')
    replicas = new Replicas(database!.url, keyFile)
  })
  after(async () => {
    await replicas?.stopAll()
    await database?.drop()
  })

  it('serve init --database creates the schema, keys, genesis block and a private key file; a second init is refused', async () => {
    const init = await runCommand(['serve', 'init', '--database', database!.url, '--key-file', keyFile, '--json'])
    assert.equal(init.code, 0, init.stderr)
    keys = JSON.parse(init.stdout) as DatabaseKeys
    assert.match(keys.admin_key, /^aitbc_/)
    assert.equal((await stat(keyFile)).mode & 0o777, 0o600)
    const again = await runCommand(['serve', 'init', '--database', database!.url, '--key-file', path.join(dir, 'other.pem')])
    assert.equal(again.code, 1, again.stderr)
    assert.match(again.stderr, /already holds a coordinator; nothing was changed/)
    await assert.rejects(stat(path.join(dir, 'other.pem')), 'no key file is made for a refused init')
  })

  it('serves the whole job lifecycle from the database; receipts and the chain verify against the one key', async () => {
    const replica = await replicas.start('one')
    const keysAnswer = await replica.request<{key_id: string}[]>('/v1/keys')
    assert.deepEqual(keysAnswer.body.map((k) => k.key_id), [keys.key_id])
    assert.equal((await replica.request('/v1/miners/register', {key: keys.miner_key, body: {miner_id: 'rig-1', capabilities: ['llama3.2']}})).status, 201)
    const submitted = await replica.request<{job_id: string}>('/v1/jobs', {key: keys.client_key, body: {prompt: 'Say hi', model: 'llama3.2'}, headers: {'Idempotency-Key': 'once'}})
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body))
    const replay = await replica.request<{job_id: string}>('/v1/jobs', {key: keys.client_key, body: {prompt: 'Say hi', model: 'llama3.2'}, headers: {'Idempotency-Key': 'once'}})
    assert.equal(replay.headers.get('idempotent-replayed'), 'true')
    assert.equal(replay.body.job_id, submitted.body.job_id)
    const offered = await replica.request<{job_id: string}>('/v1/jobs/available?miner_id=rig-1&wait=5', {key: keys.miner_key})
    assert.equal(offered.body.job_id, submitted.body.job_id)
    assert.equal((await replica.request(`/v1/jobs/${offered.body.job_id}/claim`, {key: keys.miner_key, body: {miner_id: 'rig-1'}})).status, 200)
    const done = await replica.request<{receipt_id: string}>(`/v1/jobs/${offered.body.job_id}/complete`, {key: keys.miner_key, body: {miner_id: 'rig-1', result: 'Hi!'}})
    assert.equal(done.status, 200, JSON.stringify(done.body))
    assert.equal(verifyReceipt(done.body as never, new Set([keys.key_id])), undefined)
    // A revoked key is refused at once.
    const made = await replica.request<{api_key: string}>('/v1/admin/keys', {key: keys.admin_key, body: {role: 'client', name: 'temp'}})
    assert.equal((await replica.request('/v1/jobs', {key: made.body.api_key})).status, 200)
    assert.equal((await replica.request('/v1/admin/keys/temp', {key: keys.admin_key, method: 'DELETE'})).status, 200)
    assert.equal((await replica.request('/v1/jobs', {key: made.body.api_key})).status, 401)

    // The revocation is not on the ledger: the last transaction is the job's, sealed within a block interval.
    await sealedHeight(replica.url, offered.body.job_id)
    const verify = await explorerVerify(replica.url, keys.key_id)
    assert.equal(verify.code, 0, verify.stderr)
    assert.match(verify.stdout, /Chain holds: blocks 0 to \d+ .*1 receipt verified/)
    assert.equal(await replicas.stop(replica), 0, 'a clean stop')
  })

  it('refuses to start with another key, or with none, saying which', async () => {
    const other = path.join(dir, 'stranger.pem')
    await createSigningKey(other)
    const wrong = await refusedRun(['serve', '--database', database!.url, '--key-file', other, '--port', '0'])
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /is not the key this database was created with \(key id /)
    const none = await refusedRun(['serve', '--database', database!.url, '--port', '0'])
    assert.equal(none.code, 1)
    assert.match(none.stderr, /needs its signing key: --key-file FILE, the key in AITBC_SIGNING_KEY, or --data-dir/)
    const badUrl = await refusedRun(['serve', '--database', 'mysql://x@y/z', '--key-file', keyFile, '--port', '0'])
    assert.equal(badUrl.code, 2)
    assert.match(badUrl.stderr, /postgres:\/\/ or postgresql:\/\/ URL/)
    const unreachable = await refusedRun(['serve', '--database', 'postgres://nobody:secret@127.0.0.1:1/none', '--key-file', keyFile, '--port', '0'])
    assert.equal(unreachable.code, 1)
    assert.match(unreachable.stderr, /cannot use the database at postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none/)
    assert.doesNotMatch(unreachable.stderr, /secret/)
  })

  it('takes the key from AITBC_SIGNING_KEY', async () => {
    const proc = startProcess(process.execPath, [BIN, 'serve', '--database', database!.url, '--port', '0'], {
      env: withEnv({AITBC_SIGNING_KEY: await readFile(keyFile, 'utf8'), AITBC_DATABASE_URL: undefined}),
      timeoutMs: 60_000,
      name: 'aitbc serve with AITBC_SIGNING_KEY',
    })
    try {
      await proc.waitFor(/^listening on http:\/\/\S+\n/, 'stdout', 60_000)
    } finally {
      proc.signal('SIGTERM')
    }
    assert.equal((await proc.result).code, 0)
  })
})
