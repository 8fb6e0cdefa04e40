// The store conformance suite on the embedded store, through the adapter the services will use.
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {EmbeddedAsyncStore} from '../../../src/server/store/embedded-async-store.js'
import {LowdbStore} from '../../../src/server/store/lowdb-store.js'
import {storeConformance} from './conformance.js'

storeConformance({
  name: 'embedded store',
  async fresh(meta) {
    const dir = await mkdtemp(path.join(tmpdir(), 'aitbc-conformance-'))
    // One writer per data directory: both "replicas" are the one store.
    const store = new EmbeddedAsyncStore(await LowdbStore.create(dir, meta))
    return {
      stores: [store, store],
      async close() {
        await store.close()
        await rm(dir, {recursive: true, force: true})
      },
    }
  },
})
