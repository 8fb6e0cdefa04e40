// The public explorer: blocks (with their transactions, enough to recompute every hash), transactions,
// receipts and network stats.
import Router from '@koa/router'

import type {Clock} from '../clock.js'
import {networkStats} from '../explorer/network-stats.js'
import {notFound} from '../http/api-error.js'
import type {Operations} from '../http/operations.js'
import type {AsyncStore} from '../store/async-store.js'

export function explorerRoutes(ops: Operations, store: AsyncStore, activeMinerSeconds: number, clock: Clock): Router {
  const router = new Router()

  ops.define(router, 'listBlocks', async (request) => {
    const {limit, before} = request.query
    return {body: await store.listBlocks({limit, before})}
  })

  ops.define(router, 'getBlock', async (request) => {
    const height = request.params.height
    const {tx_offset: offset, tx_limit: limit} = request.query
    const [block, transactions] = await Promise.all([store.getBlock(height), store.blockTransactions(height, {offset, limit})])
    if (!block || !transactions) throw notFound(`no block at height ${height}`)
    return {body: {...block, transaction_list: transactions}}
  })

  ops.define(router, 'listTransactions', async (request) => ({body: await store.recentTransactions(request.query.limit)}))

  ops.define(router, 'listExplorerReceipts', async (request) => ({
    body: await store.listReceipts({limit: request.query.limit, offset: 0}),
  }))

  ops.define(router, 'getStats', async () => ({body: await networkStats(store, activeMinerSeconds, clock.now())}))

  return router
}
