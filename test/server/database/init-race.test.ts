// Two `aitbc serve init --database` at once on one empty database (in this process, as the command
// runs it): one makes the coordinator, the other is refused with why, and leaves no key file of its
// own behind, whether the two were given different key files or the same one that did not exist yet.
import assert from 'node:assert/strict'
import {readdir} from 'node:fs/promises'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {loadSigningKey} from '../../../src/server/signing-key.js'
import {initCoordinatorDatabase, openCoordinatorDatabase} from '../../../src/server/store/postgres/coordinator-database.js'
import {DatabaseStateError} from '../../../src/server/store/postgres/errors.js'
import {createTestDatabase, NO_SERVER} from '../store-conformance/test-database.js'
import {tempDir} from './replicas.js'

const database = await createTestDatabase()

describe('serve init --database racing on one empty database', {skip: database ? false : NO_SERVER}, () => {
  after(() => database?.drop())

  for (const sameFile of [false, true]) {
    it(`one wins, the other is refused and leaves no key file behind (${sameFile ? 'the same' : 'different'} key file paths)`, async () => {
      // Each race on an empty schema of its own.
      const options = {connectionString: database!.url, schema: sameFile ? 'same_file' : 'different_files'}
      const dir = await tempDir('aitbc-init-race-')
      const files = sameFile ? [path.join(dir, 'key.pem'), path.join(dir, 'key.pem')] : [path.join(dir, 'a.pem'), path.join(dir, 'b.pem')]
      const outcomes = await Promise.allSettled(files.map((file) => initCoordinatorDatabase(options, file)))
      const won = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []))
      const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as Error] : []))
      assert.equal(won.length, 1, `exactly one init wins: ${lost.map((error) => error.message).join('; ')}`)
      assert.equal(lost.length, 1)
      assert.ok(lost[0] instanceof DatabaseStateError, `a refusal that says why, not ${lost[0].stack}`)
      assert.match(lost[0].message, /already holds a coordinator; nothing was changed|appeared while this init ran \(another aitbc serve init at once\?\); nothing was changed/)
      assert.deepEqual(await readdir(dir), [path.basename(won[0].key_file)], 'only the winner’s key file is left')
      const signer = await loadSigningKey(won[0].key_file)
      assert.equal(signer.keyId, won[0].key_id)
      const store = await openCoordinatorDatabase(options, signer, won[0].key_file)
      try {
        assert.equal((await store.headBlock())?.height, 0)
        assert.deepEqual((await store.apiKeys()).map((key) => key.role).sort(), ['admin', 'client', 'miner'])
      } finally {
        await store.close()
      }
    })
  }
})
