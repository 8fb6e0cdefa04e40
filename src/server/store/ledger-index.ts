// The ledger in memory: transactions by seq and blocks by height. Blocks seal consecutive runs of
// transactions, so a transaction's block is found by binary search over how many each block sealed.
import type {Block, Transaction} from '../../protocol/ledger.js'
import type {LedgerTransaction} from './records.js'

export class LedgerIndex {
  private readonly txs: Transaction[] = []
  private readonly blocks: Block[] = []
  /** sealedThrough[h]: how many transactions blocks 0..h seal together. */
  private readonly sealedThrough: number[] = []

  get lastSeq(): number {
    return this.txs.length
  }

  get head(): Block | undefined {
    return this.blocks.at(-1)
  }

  private get sealedCount(): number {
    return this.sealedThrough.at(-1) ?? 0
  }

  /** Throws when the transaction does not continue the ledger. */
  appendTransaction(tx: Transaction): void {
    if (tx.seq !== this.txs.length + 1) throw new Error(`transaction seq ${tx.seq} does not follow ${this.txs.length}`)
    this.txs.push(tx)
  }

  /** Throws when the block does not continue the chain or seals more than is unsealed. */
  appendBlock(block: Block): void {
    if (block.height !== this.blocks.length) throw new Error(`block height ${block.height} does not follow ${this.blocks.length - 1}`)
    const head = this.head
    if (head && block.prev_hash !== head.hash) throw new Error(`block ${block.height} does not link to block ${head.height}`)
    const through = this.sealedCount + block.transactions
    if (through > this.txs.length) throw new Error(`block ${block.height} seals transactions that do not exist`)
    this.blocks.push(block)
    this.sealedThrough.push(through)
  }

  unsealed(): Transaction[] {
    return this.txs.slice(this.sealedCount)
  }

  recent(limit: number): LedgerTransaction[] {
    const out: LedgerTransaction[] = []
    for (let i = this.txs.length - 1; i >= 0 && out.length < limit; i--) out.push(this.withHeight(this.txs[i]))
    return out
  }

  blockTransactions(height: number): LedgerTransaction[] | undefined {
    if (!Number.isInteger(height) || height < 0 || height >= this.blocks.length) return undefined
    const start = height === 0 ? 0 : this.sealedThrough[height - 1]
    return this.txs.slice(start, this.sealedThrough[height]).map((tx) => ({...tx, block_height: height}))
  }

  getBlock(height: number): Block | undefined {
    return Number.isInteger(height) && height >= 0 ? this.blocks[height] : undefined
  }

  listBlocks(limit: number, before?: number): Block[] {
    const top = Math.min(this.blocks.length, before ?? this.blocks.length) - 1
    const out: Block[] = []
    for (let h = top; h >= 0 && out.length < limit; h--) out.push(this.blocks[h])
    return out
  }

  private withHeight(tx: Transaction): LedgerTransaction {
    return {...tx, block_height: tx.seq <= this.sealedCount ? this.blockOf(tx.seq) : null}
  }

  /** The first block whose cumulative count reaches seq. */
  private blockOf(seq: number): number {
    let low = 0
    let high = this.sealedThrough.length - 1
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.sealedThrough[mid] < seq) low = mid + 1
      else high = mid
    }
    return low
  }
}
