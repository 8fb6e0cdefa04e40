// A block with all its transactions: the coordinator answers a page of them at a time (`tx_offset`).
import {type ApiClient, type BlockDetail, unwrap} from './client.js'

export async function fetchWholeBlock(client: ApiClient, height: number): Promise<BlockDetail> {
  const first = await unwrap(client.GET('/explorer/blocks/{height}', {params: {path: {height}}}))
  const transactions = [...first.transaction_list]
  while (transactions.length < first.transactions) {
    const page = await unwrap(client.GET('/explorer/blocks/{height}', {params: {path: {height}, query: {tx_offset: transactions.length}}}))
    if (page.transaction_list.length === 0) break
    transactions.push(...page.transaction_list)
  }
  return {...first, transaction_list: transactions}
}
