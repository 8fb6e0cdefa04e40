// Writes ledger transactions and blocks straight into the synchronous embedded store, with the hashing
// in src/protocol/ledger.ts (the same code `explorer verify` checks with): for creating a data
// directory (its genesis block) and for tests and benches that build history by hand. The running
// coordinator passes drafts with each store change instead (draft.ts) and seals with block-sealer.ts.
import type {Ed25519Signer} from '../../protocol/ed25519.js'
import {sealBlock, transactionHash, type Block, type Transaction, type TransactionType} from '../../protocol/ledger.js'
import type {Store} from '../store/store.js'

export class Ledger {
  constructor(
    private readonly store: Store,
    private readonly signer: Ed25519Signer,
  ) {}

  record(type: TransactionType, data: Record<string, unknown>, at: Date): Transaction {
    const body = {seq: this.store.lastTransactionSeq() + 1, type, timestamp: at.toISOString(), data}
    const tx = {...body, tx_hash: transactionHash(body)}
    this.store.appendTransaction(tx)
    return tx
  }

  /** Seals every unsealed transaction into the next block; no block when there is nothing to seal. */
  sealPending(at: Date): Block | undefined {
    const txs = this.store.unsealedTransactions()
    if (txs.length === 0) return undefined
    return this.seal(txs, at)
  }

  /** Height 0, sealing nothing: written once when a data directory is created. */
  sealGenesis(at: Date): Block {
    if (this.store.headBlock()) throw new Error('the ledger already has a genesis block')
    return this.seal([], at)
  }

  private seal(txs: Transaction[], at: Date): Block {
    const head = this.store.headBlock()
    const block = sealBlock(head && {height: head.height, hash: head.hash}, txs, at.toISOString(), this.signer)
    this.store.appendBlock(block)
    return block
  }
}
