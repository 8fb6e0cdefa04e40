// Who sees which receipt: a client its own, a miner's principal those its miners provided, admin all.
// The query filters narrow within that; they never widen it.
import type {Principal} from '../auth/api-keys.js'
import {notFound} from '../domain-errors.js'
import type {ReceiptRecord} from '../store/records.js'
import type {ReceiptQuery, Store} from '../store/store.js'

export class ReceiptService {
  constructor(private readonly store: Store) {}

  list(principal: Principal, query: ReceiptQuery): ReceiptRecord[] {
    if (principal.role === 'client') {
      if (query.client !== undefined && query.client !== principal.name) return []
      return this.store.listReceipts({...query, client: principal.name})
    }
    if (principal.role === 'miner') return this.store.listReceipts({...query, providerPrincipal: principal.name})
    return this.store.listReceipts(query)
  }

  get(principal: Principal, receiptId: string): ReceiptRecord {
    const receipt = this.store.getReceipt(receiptId)
    if (!receipt || !this.canSee(principal, receipt)) throw notFound(`receipt ${receiptId} not found`)
    return receipt
  }

  private canSee(principal: Principal, receipt: ReceiptRecord): boolean {
    if (principal.role === 'admin') return true
    if (principal.role === 'client') return receipt.client === principal.name
    return this.store.getMiner(receipt.provider)?.principal === principal.name
  }
}
