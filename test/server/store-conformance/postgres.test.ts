// The store conformance suite on PostgreSQL, with two replicas: two stores on one database, each with
// its own connection pool, event connection and leader contender.
import {after, describe} from 'node:test'

import {PostgresStore} from '../../../src/server/store/postgres/postgres-store.js'
import {storeConformance} from './conformance.js'
import {createTestDatabase, NO_SERVER, type TestDatabase} from './test-database.js'

const database: TestDatabase | undefined = await createTestDatabase()

if (!database) {
  describe('PostgreSQL store conformance', {skip: NO_SERVER}, () => undefined)
} else {
  after(() => database.drop())
  storeConformance({
    name: 'PostgreSQL store',
    async fresh(meta) {
      const options = {connectionString: database.url, retryMs: 100}
      const first = await PostgresStore.create(options, meta)
      const second = await PostgresStore.open(options)
      return {
        stores: [first, second],
        close: async () => void (await Promise.all([first.close(), second.close()])),
      }
    },
  })
}
