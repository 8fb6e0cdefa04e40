// Turns a service's ledger drafts into transactions once the store knows their seqs: both stores number
// and hash the same way (the hash itself is src/protocol/ledger.ts's).
import {transactionHash, type Transaction} from '../../protocol/ledger.js'
import type {TransactionDraft} from './async-store.js'

export function numberTransactions(firstSeq: number, drafts: readonly TransactionDraft[]): Transaction[] {
  return drafts.map(({type, timestamp, data}, i) => {
    const body = {seq: firstSeq + i, type, timestamp, data}
    return {...body, tx_hash: transactionHash(body)}
  })
}
