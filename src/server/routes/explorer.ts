// The public explorer: blocks (with their transactions, enough to recompute every hash), transactions,
// receipts and network stats.
import Router from '@koa/router'

import type {Clock} from '../clock.js'
import {networkStats} from '../explorer/network-stats.js'
import {notFound} from '../http/api-error.js'
import type {Operations} from '../http/operations.js'
import type {Store} from '../store/store.js'

export function explorerRoutes(ops: Operations, store: Store, activeMinerSeconds: number, clock: Clock): Router {
  const router = new Router()

  ops.define(router, 'listBlocks', (request) => {
    const {limit, before} = request.query as {limit: number; before?: number}
    return {body: store.listBlocks({limit, before})}
  })

  ops.define(router, 'getBlock', (request) => {
    const height = request.params.height as number
    const {tx_offset: offset, tx_limit: limit} = request.query as {tx_offset: number; tx_limit: number}
    const block = store.getBlock(height)
    const transactions = store.blockTransactions(height, {offset, limit})
    if (!block || !transactions) throw notFound(`no block at height ${height}`)
    return {body: {...block, transaction_list: transactions}}
  })

  ops.define(router, 'listTransactions', (request) => ({body: store.recentTransactions(request.query.limit as number)}))

  ops.define(router, 'listExplorerReceipts', (request) => ({
    body: store.listReceipts({limit: request.query.limit as number, offset: 0}),
  }))

  ops.define(router, 'getStats', () => ({body: networkStats(store, activeMinerSeconds, clock.now())}))

  return router
}
