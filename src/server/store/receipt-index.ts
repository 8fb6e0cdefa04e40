// Receipts in issue order with per-client, per-provider and per-provider-principal indexes, so a list
// walks only the receipts that can match. A receipt never changes: once it is on disk only where it is
// stays in memory (with its client and provider, for the filters), and reads fetch it back. That is
// also what the history index (history-index.ts) keeps of a receipt: `section` and `restore`.
import {DuplicateEntryError, type ReceiptSection} from './history-index.js'
import type {LineAt} from './jsonl-file.js'
import {NamePool} from './name-pool.js'
import type {ReceiptRecord} from './records.js'
import {lowerBound} from './sorted-ids.js'
import type {ReceiptQuery} from './store.js'

export class ReceiptIndex {
  /** Where each receipt's line is (-1 until written): two numbers each, not an object. */
  private offsets: number[] = []
  private lengths: number[] = []
  /** Receipts not yet on disk, by position. */
  private readonly unwritten = new Map<number, ReceiptRecord>()
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
    return this.offsets.length
  }

  get(receiptId: string): ReceiptRecord | undefined {
    const at = this.positions.get(receiptId)
    return at === undefined ? undefined : this.receiptAt(at)
  }

  add(receipt: ReceiptRecord, providerPrincipal: string | undefined): void {
    if (this.positions.has(receipt.receipt_id)) throw new Error(`duplicate receipt ${receipt.receipt_id}`)
    const at = this.offsets.push(-1) - 1
    this.lengths.push(0)
    this.unwritten.set(at, receipt)
    this.clients.push(this.names.intern(receipt.client))
    this.providers.push(this.names.intern(receipt.provider))
    this.positions.set(receipt.receipt_id, at)
    positionsOf(this.byClient, receipt.client).push(at)
    positionsOf(this.byProvider, receipt.provider).push(at)
    if (providerPrincipal !== undefined) positionsOf(this.byProviderPrincipal, providerPrincipal).push(at)
  }

  /** The entries in issue order, for the history index; undefined while a receipt is not on disk. */
  section(): ReceiptSection | undefined {
    if (this.unwritten.size) return undefined
    const names = [...new Set([...this.clients, ...this.providers])]
    const positions = new Map(names.map((name, i) => [name, i]))
    const ids = [...this.positions.keys()]
    return {names, ids, client: this.clients.map((name) => positions.get(name)!), provider: this.providers.map((name) => positions.get(name)!), offset: [...this.offsets], length: [...this.lengths]}
  }

  /** Loads the history index's entries into this index, which must be empty; `principalOf` gives a provider's principal. */
  restore(section: ReceiptSection, principalOf: (minerId: string) => string | undefined): void {
    if (this.size) throw new Error('a receipt index is restored only when empty')
    const {names, ids} = section
    // The section's columns are this index's from now on (it is not used after).
    this.offsets = section.offset
    this.lengths = section.length
    for (let at = 0; at < ids.length; at++) {
      const client = this.names.intern(names[section.client[at]])
      const provider = this.names.intern(names[section.provider[at]])
      this.clients.push(client)
      this.providers.push(provider)
      this.positions.set(ids[at], at)
      positionsOf(this.byClient, client).push(at)
      positionsOf(this.byProvider, provider).push(at)
      const principal = principalOf(provider)
      if (principal !== undefined) positionsOf(this.byProviderPrincipal, principal).push(at)
    }
    if (this.positions.size !== ids.length) throw new DuplicateEntryError('receipt')
  }

  /** `receipt` is on disk at `at`: only that is kept. */
  written(receipt: ReceiptRecord, at: LineAt): void {
    const position = this.positions.get(receipt.receipt_id)
    if (position === undefined || this.unwritten.get(position) !== receipt) return
    this.offsets[position] = at.offset
    this.lengths[position] = at.length
    this.unwritten.delete(position)
  }

  /** Newest first (issue order); undefined when `before` is not a receipt the query selects. */
  list(query: ReceiptQuery, principalOf: (minerId: string) => string | undefined): ReceiptRecord[] | undefined {
    const candidates: (number[] | undefined)[] = []
    if (query.client !== undefined) candidates.push(this.byClient.get(query.client) ?? [])
    if (query.provider !== undefined) candidates.push(this.byProvider.get(query.provider) ?? [])
    if (query.providerPrincipal !== undefined) candidates.push(this.byProviderPrincipal.get(query.providerPrincipal) ?? [])
    // Walk the smallest index and check the other filters on each receipt.
    const smallest = candidates.reduce<number[] | undefined>((a, b) => (a === undefined || b!.length < a.length ? b : a), undefined)
    let start = smallest ? smallest.length : this.size
    if (query.before !== undefined) {
      const cursor = this.positions.get(query.before)
      if (cursor === undefined || !this.selects(query, cursor, principalOf)) return undefined
      // Positions are issue order, so the cursor's position places the page exactly.
      start = smallest ? lowerBound(smallest, cursor) : cursor
    }
    const out: ReceiptRecord[] = []
    let skipped = 0
    for (let i = start - 1; i >= 0 && out.length < query.limit; i--) {
      const at = smallest ? smallest[i] : i
      if (!this.selects(query, at, principalOf)) continue
      if (skipped++ < query.offset) continue
      out.push(this.receiptAt(at))
    }
    return out
  }

  private selects(query: ReceiptQuery, at: number, principalOf: (minerId: string) => string | undefined): boolean {
    if (query.client !== undefined && this.clients[at] !== query.client) return false
    if (query.provider !== undefined && this.providers[at] !== query.provider) return false
    return query.providerPrincipal === undefined || principalOf(this.providers[at]) === query.providerPrincipal
  }

  private receiptAt(position: number): ReceiptRecord {
    return this.unwritten.get(position) ?? this.read({offset: this.offsets[position], length: this.lengths[position]})
  }
}

function positionsOf(map: Map<string, number[]>, key: string): number[] {
  let list = map.get(key)
  if (!list) map.set(key, (list = []))
  return list
}
