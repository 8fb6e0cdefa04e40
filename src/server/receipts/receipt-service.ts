// Who sees which receipt: a client its own, a miner's principal those its miners provided, admin all.
// The query filters narrow within that; they never widen it.
import type {Principal} from '../auth/api-keys.js'
import {notFound} from '../domain-errors.js'
import type {ReceiptRecord} from '../store/records.js'
import type {AsyncStore} from '../store/async-store.js'
import type {ReceiptQuery} from '../store/store.js'

export class ReceiptService {
  constructor(private readonly store: AsyncStore) {}

  /**
   * A page of the receipts the principal may see, newest first (in the order they were issued). Undefined
   * when `before` is not one of the receipts the query selects: one that does not exist and another's are
   * not told apart.
   */
  async list(principal: Principal, query: ReceiptQuery): Promise<ReceiptRecord[] | undefined> {
    if (principal.role === 'client') {
      // Another client's receipts: none to list, and so no cursor among them.
      if (query.client !== undefined && query.client !== principal.name) return query.before === undefined ? [] : undefined
      return this.store.listReceipts({...query, client: principal.name})
    }
    if (principal.role === 'miner') return this.store.listReceipts({...query, providerPrincipal: principal.name})
    return this.store.listReceipts(query)
  }

  async get(principal: Principal, receiptId: string): Promise<ReceiptRecord> {
    const receipt = await this.store.getReceipt(receiptId)
    if (!receipt || !(await this.canSee(principal, receipt))) throw notFound(`receipt ${receiptId} not found`)
    return receipt
  }

  private async canSee(principal: Principal, receipt: ReceiptRecord): Promise<boolean> {
    if (principal.role === 'admin') return true
    if (principal.role === 'client') return receipt.client === principal.name
    return (await this.store.getMiner(receipt.provider))?.principal === principal.name
  }
}
