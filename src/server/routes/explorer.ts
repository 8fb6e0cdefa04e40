// The public explorer: blocks (with their transactions, enough to recompute every hash), transactions,
// receipts and network stats.
import type {Clock} from '../clock.js'
import {networkStats} from '../explorer/network-stats.js'
import {notFound} from '../http/api-error.js'
import type {Operations} from '../http/operations.js'
import type {AsyncStore} from '../store/async-store.js'

export function explorerRoutes(ops: Operations, store: AsyncStore, activeMinerSeconds: number, clock: Clock): void {
  ops.define('listBlocks', async (request) => {
    const {limit, before} = request.query
    return {body: await store.listBlocks({limit, before})}
  })

  ops.define('getBlock', async (request) => {
    const height = request.params.height
    const {tx_offset: offset, tx_limit: limit} = request.query
    const [block, transactions] = await Promise.all([store.getBlock(height), store.blockTransactions(height, {offset, limit})])
    if (!block || !transactions) throw notFound(`no block at height ${height}`)
    return {body: {...block, transaction_list: transactions}}
  })

  ops.define('listTransactions', async (request) => ({body: await store.recentTransactions(request.query.limit)}))

  ops.define('listExplorerReceipts', async (request) => ({
    body: await store.listReceipts({limit: request.query.limit, offset: 0}),
  }))

  ops.define('getStats', async () => ({body: await networkStats(store, activeMinerSeconds, clock.now())}))
}
