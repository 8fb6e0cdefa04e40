// `explorer verify`: walks the chain from one height to another, recomputing every transaction hash,
// Merkle root, block hash and prev_hash link with src/protocol/ledger.ts (the code the coordinator
// seals with), checking each block signature against the trusted keys, checking that transaction seq
// numbers run on without gaps, and verifying each receipt a receipt_issued transaction records in full.
// Stops at the first block that does not hold and names its height.
import {sha256Hex} from '../protocol/encoding.js'
import {type Block, blockHashOrUndefined, checkBlock, type Transaction} from '../protocol/ledger.js'
import {receiptSigningBytes} from '../protocol/receipt.js'
import {checkSignature} from '../protocol/signature.js'
import type {ReceiptChecker} from './receipt-checker.js'

export interface BlockWithTransactions extends Block {
  transaction_list: Transaction[]
}

/** Where the chain comes from: the coordinator's explorer API, or anything else that serves blocks. */
export interface ChainSource {
  /** The height of the newest block, or undefined when there is none. */
  headHeight(): Promise<number | undefined>
  block(height: number): Promise<BlockWithTransactions>
}

export interface BlockVerdict {
  height: number
  ok: boolean
  transactions: number
  receipts: number
  reason?: string
  detail?: string
}

export interface ChainSummary {
  ok: boolean
  from: number
  to: number
  blocks: number
  transactions: number
  receipts: number
  first_failing_height?: number
  reason?: string
  detail?: string
}

export interface ChainOptions {
  from?: number
  to?: number
  trustedKeyIds: ReadonlySet<string>
  receiptChecker: ReceiptChecker
  onBlock?: (verdict: BlockVerdict, range: {from: number; to: number}) => void
  /** Blocks fetched ahead of the one being checked. */
  prefetch?: number
}

export class ChainRangeError extends Error {}

export async function verifyChain(source: ChainSource, options: ChainOptions): Promise<ChainSummary> {
  const head = await source.headHeight()
  const from = options.from ?? 0
  const to = options.to ?? head ?? -1
  if (head === undefined || to > head) throw new ChainRangeError(head === undefined ? 'the coordinator has no blocks yet' : `there is no block ${to}: the newest is ${head}`)
  if (from > to) throw new ChainRangeError(`--from ${from} is after --to ${to}`)
  const summary: ChainSummary = {ok: true, from, to, blocks: 0, transactions: 0, receipts: 0}
  const fetcher = new Prefetcher(source, from > 0 ? from - 1 : from, to, options.prefetch ?? 8)

  let previous: {height: number; hash: string; lastSeq?: number} | undefined
  if (from > 0) {
    // The block before the range anchors it: its own hash and signature must hold.
    const anchor = await fetcher.take(from - 1)
    const failure = blockHashOrUndefined(anchor) !== anchor.hash ? 'hash_mismatch' : checkSignature(anchor.signature, Buffer.from(anchor.hash, 'hex'), options.trustedKeyIds)
    if (failure) return fail(summary, options, {height: from - 1, ok: false, transactions: 0, receipts: 0, reason: failure, detail: 'the block before --from does not hold'})
    previous = {height: anchor.height, hash: anchor.hash, lastSeq: lastSeqAfter(anchor, undefined)}
  }
  for (let height = from; height <= to; height++) {
    const block = await fetcher.take(height)
    const verdict = await checkOneBlock(height, block, previous, options)
    summary.blocks++
    summary.transactions += verdict.transactions
    summary.receipts += verdict.receipts
    if (!verdict.ok) return fail(summary, options, verdict)
    options.onBlock?.(verdict, {from, to})
    previous = {height: block.height, hash: block.hash, lastSeq: lastSeqAfter(block, previous?.lastSeq)}
  }
  return summary
}

function fail(summary: ChainSummary, options: ChainOptions, verdict: BlockVerdict): ChainSummary {
  options.onBlock?.(verdict, {from: summary.from, to: summary.to})
  return {...summary, ok: false, first_failing_height: verdict.height, reason: verdict.reason, detail: verdict.detail}
}

/** Checks the block served for `height` (reported under that height, whatever the block claims). */
async function checkOneBlock(
  height: number,
  block: BlockWithTransactions,
  previous: {height: number; hash: string; lastSeq?: number} | undefined,
  options: ChainOptions,
): Promise<BlockVerdict> {
  const txs = block.transaction_list
  const verdict: BlockVerdict = {height, ok: true, transactions: txs.length, receipts: 0}
  const failure = checkBlock(block, txs, previous, options.trustedKeyIds)
  if (failure) return {...verdict, ok: false, reason: failure, detail: BLOCK_FAILURES[failure] ?? failure}
  // Checked from the genesis, the first transaction is seq 1; from elsewhere, the anchor's last seq + 1.
  const gap = seqGap(txs, previous ? previous.lastSeq : 0)
  if (gap) return {...verdict, ok: false, reason: 'seq_gap', detail: gap}
  for (const tx of txs) {
    if (tx.type !== 'receipt_issued') continue
    if (!isRecord(tx.data.receipt)) {
      return {...verdict, ok: false, reason: 'receipt_malformed', detail: `transaction ${tx.seq}: receipt_issued without its receipt`}
    }
    const problem = await checkRecordedReceipt(tx, options.receiptChecker)
    if (problem) return {...verdict, ok: false, reason: `receipt_${problem.reason}`, detail: `transaction ${tx.seq}: ${problem.detail}`}
    verdict.receipts++
  }
  return verdict
}

const BLOCK_FAILURES: Record<string, string> = {
  tx_malformed: 'a transaction has no RFC 8785 form (a lone surrogate or a number out of range), so no hash',
  tx_hash_mismatch: 'a transaction does not hash to its tx_hash',
  count_mismatch: 'the block does not hold the number of transactions it states',
  merkle_mismatch: 'the Merkle root does not match the transactions',
  hash_mismatch: 'the block does not hash to its hash',
  broken_link: 'prev_hash or height does not follow the previous block',
  untrusted_key: 'signed by a key that is not trusted',
  bad_signature: 'the block signature does not match its hash',
  unsupported_alg: 'the block signature uses an unsupported algorithm',
  malformed: 'the block signature is malformed',
}

/** The seq of the last transaction up to and including this block; 0 after a genesis without any. */
function lastSeqAfter(block: BlockWithTransactions, before: number | undefined): number | undefined {
  return block.transaction_list.at(-1)?.seq ?? before ?? (block.height === 0 ? 0 : undefined)
}

function seqGap(txs: readonly Transaction[], lastSeq: number | undefined): string | undefined {
  let expected = lastSeq === undefined ? txs[0]?.seq : lastSeq + 1
  for (const tx of txs) {
    if (tx.seq !== expected) return `transaction seq ${tx.seq} where ${expected} was due`
    expected++
  }
  return undefined
}

/**
 * A receipt recorded in a receipt_issued transaction: it must verify, and every summary field the
 * transaction states beside it (receipt_id, price, sig, receipt_sha256…) must agree with it.
 */
async function checkRecordedReceipt(tx: Transaction, checker: ReceiptChecker): Promise<{reason: string; detail: string} | undefined> {
  const receipt = tx.data.receipt as Record<string, unknown>
  const verdict = await checker.check(JSON.stringify(receipt))
  if (!verdict.ok) return {reason: verdict.reason ?? 'malformed', detail: `receipt ${verdict.receipt_id ?? '?'}: ${verdict.detail}`}
  const derived: Record<string, unknown> = {
    ...receipt,
    sig: (receipt.signature as {sig?: unknown}).sig,
    receipt_sha256: sha256Hex(receiptSigningBytes(receipt)),
  }
  for (const [field, value] of Object.entries(tx.data)) {
    if (field === 'receipt' || !(field in derived)) continue
    if (JSON.stringify(derived[field]) !== JSON.stringify(value)) {
      return {reason: 'mismatch', detail: `receipt ${String(receipt.receipt_id)}: the transaction's ${field} differs from the receipt's`}
    }
  }
  return undefined
}

/** Fetches blocks a few heights ahead of the one being checked, in order. */
class Prefetcher {
  private readonly inFlight = new Map<number, Promise<BlockWithTransactions>>()
  private next: number

  constructor(
    private readonly source: ChainSource,
    from: number,
    private readonly to: number,
    private readonly window: number,
  ) {
    this.next = from
  }

  take(height: number): Promise<BlockWithTransactions> {
    while (this.next <= this.to && this.next < height + this.window) {
      const promise = this.source.block(this.next)
      promise.catch(() => {}) // awaited when taken; a failure ahead must not be unhandled meanwhile
      this.inFlight.set(this.next, promise)
      this.next++
    }
    const block = this.inFlight.get(height) ?? this.source.block(height)
    this.inFlight.delete(height)
    return block
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
