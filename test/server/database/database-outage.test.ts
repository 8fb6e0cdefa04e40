// The database goes away under a running `aitbc serve --database` (a restart, a network cut) and comes
// back: the coordinator stays up, answers 503 with Retry-After meanwhile, /health says why, and it
// recovers by itself when the database answers again, losing nothing acknowledged.
import assert from 'node:assert/strict'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {until} from '../../miner/worker-helpers.js'
import {createTestDatabase, NO_SERVER} from '../store-conformance/test-database.js'
import {assertBuilt} from '../serve-process.js'
import {startCuttableLink, type CuttableLink} from './cuttable-link.js'
import {initDatabase, Replicas, tempDir} from './replicas.js'

const database = await createTestDatabase()

describe('serve on PostgreSQL when the database goes away', {skip: database ? false : NO_SERVER}, () => {
  let link: CuttableLink | undefined
  let replicas: Replicas | undefined
  after(async () => {
    await replicas?.stopAll()
    await link?.close()
    await database?.drop()
  })

  it('answers 503 meanwhile, says so on /health, and recovers by itself', async () => {
    assertBuilt()
    const keyFile = path.join(await tempDir('aitbc-outage-'), 'signing-key.pem')
    const keys = await initDatabase(database!.url, keyFile)
    link = await startCuttableLink(database!.url)
    replicas = new Replicas(database!.url, keyFile)
    const replica = await replicas.start('one', [], () => link!.url)
    const submit = (prompt: string) => replica.request<{job_id: string; detail?: string}>('/v1/jobs', {key: keys.client_key, body: {prompt, model: 'llama3.2'}})

    const before = await submit('before the cut')
    assert.equal(before.status, 201, JSON.stringify(before.body))

    // Cut while requests are in their transactions: each is answered (stored or 503), none crashes the process.
    const inFlight = Array.from({length: 30}, (_, i) => submit(`in flight ${i}`))
    await link.cut()
    for (const answer of await Promise.all(inFlight)) assert.ok([201, 503].includes(answer.status), JSON.stringify(answer.body))
    const during = await submit('during the cut')
    assert.equal(during.status, 503, JSON.stringify(during.body))
    assert.equal(during.headers.get('retry-after'), '5')
    assert.match(during.body.detail ?? '', /the database cannot be reached/)
    const health = await replica.request<{status: string; reason?: string}>('/health')
    assert.equal(health.status, 503)
    assert.match(health.body.reason ?? '', /the database cannot be reached/)

    await link.mend()
    await until('/health to answer ok again', async () => (await replica.request('/health')).status === 200, 20_000)
    const after = await submit('after the cut')
    assert.equal(after.status, 201, JSON.stringify(after.body))
    const kept = await replica.request<{status: string}>(`/v1/jobs/${before.body.job_id}`, {key: keys.client_key})
    assert.equal(kept.status, 200)
    assert.equal(kept.body.status, 'pending')
    assert.match(replica.process.stdout() + replica.process.stderr(), /the database answers again/)
  })
})
