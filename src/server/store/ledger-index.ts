// The ledger: transactions by seq and blocks by height. Blocks seal consecutive runs of transactions,
// so a transaction's block is found by binary search over how many each block sealed.
//
// Transactions that are both sealed and on disk leave memory (only where each is stays): they are read
// back for the explorer, a block's or the latest page's worth at a time, in one read each. What is in
// memory is always the unsealed or unwritten tail, which is what sealing needs.
import type {Block, Transaction} from '../../protocol/ledger.js'
import type {LineAt} from './jsonl-file.js'
import type {LedgerTransaction} from './records.js'

export class LedgerIndex {
  /** Where transaction seq i + 1 is on disk, for those written so far (always a prefix). */
  private offsets: number[] = []
  private lengths: number[] = []
  /** How many transactions, from the first, are only on disk. */
  private onDisk = 0
  /** The transactions after those. */
  private readonly memory: Transaction[] = []
  private readonly blocks: Block[] = []
  /** sealedThrough[h]: how many transactions blocks 0..h seal together. */
  private readonly sealedThrough: number[] = []

  /** `readRange` reads the transactions written at `first` through `last` back, in order. */
  constructor(private readonly readRange: (first: LineAt, last: LineAt) => Transaction[]) {}

  get lastSeq(): number {
    return this.onDisk + this.memory.length
  }

  get head(): Block | undefined {
    return this.blocks.at(-1)
  }

  get sealedCount(): number {
    return this.sealedThrough.at(-1) ?? 0
  }

  /** Throws when the transaction does not continue the ledger. */
  appendTransaction(tx: Transaction): void {
    if (tx.seq !== this.lastSeq + 1) throw new Error(`transaction seq ${tx.seq} does not follow ${this.lastSeq}`)
    this.memory.push(tx)
  }

  /** The next transaction not yet located is on disk at `at` (they are written in seq order). */
  located(at: LineAt): void {
    this.offsets.push(at.offset)
    this.lengths.push(at.length)
    this.release()
  }

  /**
   * Loading, after the blocks: the next transaction, which a block seals, stays on disk unparsed. Its
   * block's Merkle root covers it (`explorer verify` recomputes it); reading it back checks its shape.
   */
  appendSealed(at: LineAt): void {
    this.onDisk++
    this.located(at)
  }

  /**
   * Loading from the history index, after the blocks and before any transaction: the first
   * `lengths.length` transactions, all sealed, are on disk one line each from the start of the file
   * (`lengths` is this index's from now on). Returns the offset of the line after them.
   */
  restoreSealed(lengths: number[]): number {
    if (this.lastSeq !== 0 || lengths.length > this.sealedCount) throw new Error('sealed transactions are restored first, and only sealed ones')
    const offsets = new Array<number>(lengths.length)
    let offset = 0
    for (let i = 0; i < lengths.length; i++) {
      offsets[i] = offset
      offset += lengths[i] + 1
    }
    this.offsets = offsets
    this.lengths = lengths
    this.onDisk = lengths.length
    return offset
  }

  /** Throws when the block does not continue the chain or seals more than is unsealed. */
  appendBlock(block: Block): void {
    if (this.sealedCount + block.transactions > this.lastSeq) throw new Error(`block ${block.height} seals transactions that do not exist`)
    this.loadBlock(block)
  }

  /** Loading, before the transactions: throws when the block does not continue the chain. */
  loadBlock(block: Block): void {
    if (block.height !== this.blocks.length) throw new Error(`block height ${block.height} does not follow ${this.blocks.length - 1}`)
    const head = this.head
    if (head && block.prev_hash !== head.hash) throw new Error(`block ${block.height} does not link to block ${head.height}`)
    this.blocks.push(block)
    this.sealedThrough.push(this.sealedCount + block.transactions)
    this.release()
  }

  /** The length of every transaction's line, for the history index; undefined while one is not on disk. */
  lineLengths(): number[] | undefined {
    return this.lengths.length === this.lastSeq ? [...this.lengths] : undefined
  }

  unsealed(): Transaction[] {
    return this.memory.slice(this.sealedCount - this.onDisk)
  }

  recent(limit: number): LedgerTransaction[] {
    const last = this.lastSeq
    return this.range(Math.max(0, last - limit), last)
      .reverse()
      .map((tx) => ({...tx, block_height: tx.seq <= this.sealedCount ? this.blockOf(tx.seq) : null}))
  }

  blockTransactions(height: number, page?: {offset: number; limit: number}): LedgerTransaction[] | undefined {
    if (!Number.isInteger(height) || height < 0 || height >= this.blocks.length) return undefined
    const first = height === 0 ? 0 : this.sealedThrough[height - 1]
    const end = this.sealedThrough[height]
    const start = Math.min(end, first + (page?.offset ?? 0))
    const stop = page ? Math.min(end, start + page.limit) : end
    return this.range(start, stop).map((tx) => ({...tx, block_height: height}))
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

  /** Transactions `from` (inclusive) to `to` (exclusive), counted from 0: one read for those on disk. */
  private range(from: number, to: number): Transaction[] {
    const split = Math.min(to, this.onDisk)
    const read = from < split ? this.readRange(this.at(from), this.at(split - 1)) : []
    // Only a range that goes past the disk reads memory: for one that ends before it, `to - onDisk` is
    // negative, which slice() counts from the end, and unsealed transactions came back as the block's.
    return to > this.onDisk ? [...read, ...this.memory.slice(Math.max(from, this.onDisk) - this.onDisk, to - this.onDisk)] : read
  }

  private at(index: number): LineAt {
    return {offset: this.offsets[index], length: this.lengths[index]}
  }

  /** Drops from memory the transactions that are both sealed and on disk. */
  private release(): void {
    const drop = Math.min(this.sealedCount, this.offsets.length) - this.onDisk
    if (drop <= 0) return
    this.memory.splice(0, drop)
    this.onDisk += drop
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
