// A ledger record as a service decides it: the store gives it its seq and hash when the change that
// carries it is written (numbered-transactions.ts), so replicas never hand out the same seq.
import type {TransactionType} from '../../protocol/ledger.js'
import type {TransactionDraft} from '../store/async-store.js'

export function draft(type: TransactionType, data: Record<string, unknown>, at: Date): TransactionDraft {
  return {type, timestamp: at.toISOString(), data}
}
