// Receipts in issue order with per-client, per-provider and per-provider-principal indexes, so a list
// walks only the receipts that can match.
import type {ReceiptRecord} from './records.js'
import type {ReceiptQuery} from './store.js'

export class ReceiptIndex {
  private readonly receipts: ReceiptRecord[] = []
  private readonly positions = new Map<string, number>()
  private readonly byClient = new Map<string, number[]>()
  private readonly byProvider = new Map<string, number[]>()
  private readonly byProviderPrincipal = new Map<string, number[]>()

  get size(): number {
    return this.receipts.length
  }

  get(receiptId: string): ReceiptRecord | undefined {
    const at = this.positions.get(receiptId)
    return at === undefined ? undefined : this.receipts[at]
  }

  add(receipt: ReceiptRecord, providerPrincipal: string | undefined): void {
    if (this.positions.has(receipt.receipt_id)) throw new Error(`duplicate receipt ${receipt.receipt_id}`)
    const at = this.receipts.push(receipt) - 1
    this.positions.set(receipt.receipt_id, at)
    positionsOf(this.byClient, receipt.client).push(at)
    positionsOf(this.byProvider, receipt.provider).push(at)
    if (providerPrincipal !== undefined) positionsOf(this.byProviderPrincipal, providerPrincipal).push(at)
  }

  list(query: ReceiptQuery, principalOf: (minerId: string) => string | undefined): ReceiptRecord[] {
    const candidates: (number[] | undefined)[] = []
    if (query.client !== undefined) candidates.push(this.byClient.get(query.client) ?? [])
    if (query.provider !== undefined) candidates.push(this.byProvider.get(query.provider) ?? [])
    if (query.providerPrincipal !== undefined) candidates.push(this.byProviderPrincipal.get(query.providerPrincipal) ?? [])
    // Walk the smallest index and check the other filters on each receipt.
    const smallest = candidates.reduce<number[] | undefined>((a, b) => (a === undefined || b!.length < a.length ? b : a), undefined)
    const out: ReceiptRecord[] = []
    let skipped = 0
    const total = smallest ? smallest.length : this.receipts.length
    for (let i = total - 1; i >= 0 && out.length < query.limit; i--) {
      const receipt = this.receipts[smallest ? smallest[i] : i]
      if (query.client !== undefined && receipt.client !== query.client) continue
      if (query.provider !== undefined && receipt.provider !== query.provider) continue
      if (query.providerPrincipal !== undefined && principalOf(receipt.provider) !== query.providerPrincipal) continue
      if (skipped++ < query.offset) continue
      out.push(receipt)
    }
    return out
  }
}

function positionsOf(map: Map<string, number[]>, key: string): number[] {
  let list = map.get(key)
  if (!list) map.set(key, (list = []))
  return list
}
