// The coordinator as a source for verification: receipts by id (as their exact JSON text) and the
// chain through the public explorer API. Imported only when a command needs the network.
import {fetchWholeBlock} from '../client/blocks.js'
import {type ApiClient, unwrap} from '../client/client.js'
import {ApiError} from '../client/errors.js'
import type {BlockWithTransactions, ChainSource} from './chain-verifier.js'
import {TargetError} from './receipt-sources.js'

export function receiptFetcher(client: ApiClient): (id: string) => Promise<string> {
  return async (id) => {
    try {
      const text = await unwrap(client.GET('/v1/receipts/{receipt_id}', {params: {path: {receipt_id: id}}, parseAs: 'text'}))
      return text as unknown as string
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
      const [head] = await unwrap(client.GET('/explorer/blocks', {params: {query: {limit: 1}}}))
      return head?.height
    },
    async block(height) {
      return (await fetchWholeBlock(client, height)) as unknown as BlockWithTransactions
    },
  }
}
