// Receipts in issue order with per-client, per-provider and per-provider-principal indexes, so a list
// walks only the receipts that can match. A receipt never changes: once it is on disk only where it is
// stays in memory (with its client and provider, for the filters), and reads fetch it back.
import type {LineAt} from './jsonl-file.js'
import {NamePool} from './name-pool.js'
import type {ReceiptRecord} from './records.js'
import type {ReceiptQuery} from './store.js'

export class ReceiptIndex {
  /** Until written: the receipt itself; after: where it is. */
  private readonly receipts: (ReceiptRecord | LineAt)[] = []
  private readonly clients: string[] = []
  private readonly providers: string[] = []
  private readonly positions = new Map<string, number>()
  private readonly byClient = new Map<string, number[]>()
  private readonly byProvider = new Map<string, number[]>()
  private readonly byProviderPrincipal = new Map<string, number[]>()
  private readonly names = new NamePool()

  /** `read` reads a receipt back from where it was written. */
  constructor(private readonly read: (at: LineAt) => ReceiptRecord) {}

  get size(): number {
    return this.receipts.length
  }

  get(receiptId: string): ReceiptRecord | undefined {
    const at = this.positions.get(receiptId)
    return at === undefined ? undefined : this.receiptAt(at)
  }

  add(receipt: ReceiptRecord, providerPrincipal: string | undefined): void {
    if (this.positions.has(receipt.receipt_id)) throw new Error(`duplicate receipt ${receipt.receipt_id}`)
    const at = this.receipts.push(receipt) - 1
    this.clients.push(this.names.intern(receipt.client))
    this.providers.push(this.names.intern(receipt.provider))
    this.positions.set(receipt.receipt_id, at)
    positionsOf(this.byClient, receipt.client).push(at)
    positionsOf(this.byProvider, receipt.provider).push(at)
    if (providerPrincipal !== undefined) positionsOf(this.byProviderPrincipal, providerPrincipal).push(at)
  }

  /** `receipt` is on disk at `at`: only that is kept. */
  written(receipt: ReceiptRecord, at: LineAt): void {
    const position = this.positions.get(receipt.receipt_id)
    if (position !== undefined && this.receipts[position] === receipt) this.receipts[position] = at
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
      const at = smallest ? smallest[i] : i
      if (query.client !== undefined && this.clients[at] !== query.client) continue
      if (query.provider !== undefined && this.providers[at] !== query.provider) continue
      if (query.providerPrincipal !== undefined && principalOf(this.providers[at]) !== query.providerPrincipal) continue
      if (skipped++ < query.offset) continue
      out.push(this.receiptAt(at))
    }
    return out
  }

  private receiptAt(position: number): ReceiptRecord {
    const entry = this.receipts[position]
    return 'receipt_id' in entry ? entry : this.read(entry)
  }
}

function positionsOf(map: Map<string, number[]>, key: string): number[] {
  let list = map.get(key)
  if (!list) map.set(key, (list = []))
  return list
}
