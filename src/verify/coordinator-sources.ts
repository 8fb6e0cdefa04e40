// The coordinator as a source for verification: receipts by id (as their exact JSON text) and the
// chain through the public explorer API. Imported only when a command needs the network.
import {getBlock, getReceiptText, listBlocks} from '../client/calls.js'
import type {ApiClient} from '../client/client.js'
import {ApiError} from '../client/errors.js'
import type {BlockWithTransactions, ChainSource} from './chain-verifier.js'
import {TargetError} from './receipt-sources.js'

export function receiptFetcher(client: ApiClient): (id: string) => Promise<string> {
  return async (id) => {
    try {
      return await getReceiptText(client, id)
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        throw new TargetError(`cannot read ${id}: no such file, and the coordinator has no receipt ${id} that this key may see`)
      }
      throw error
    }
  }
}

export function coordinatorChain(client: ApiClient): ChainSource {
  return {
    async headHeight() {
      const [head] = await listBlocks(client, {limit: 1})
      return head?.height
    },
    async block(height) {
      return (await getBlock(client, height)) as unknown as BlockWithTransactions
    },
  }
}
