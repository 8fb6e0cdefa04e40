// Ledger hashing: transaction hashes, RFC 6962 Merkle roots and block hashes. The server builds the
// chain with these functions and `explorer verify` recomputes it with the same ones.
import {canonicalJson} from './canonical-json.js'
import type {Ed25519Signer} from './ed25519.js'
import {fromHex, sha256, sha256Hex, toHex} from './encoding.js'
import {checkSignature, signBytes, type SignatureFailure, type SignatureObject} from './signature.js'

export const TRANSACTION_TYPES = [
  'job_submitted',
  'job_claimed',
  'job_completed',
  'job_failed',
  'job_cancelled',
  'job_requeued',
  'job_expired',
  'receipt_issued',
  'miner_registered',
] as const
export type TransactionType = (typeof TRANSACTION_TYPES)[number]

/** The hashed part of a transaction. `seq` numbers transactions from 1 without gaps. */
export interface TransactionBody {
  seq: number
  type: TransactionType
  timestamp: string
  data: Record<string, unknown>
}

export interface Transaction extends TransactionBody {
  tx_hash: string
}

export interface BlockHeader {
  height: number
  prev_hash: string
  merkle_root: string
  timestamp: string
  /** The number of transactions, as the seed's Block names it. */
  transactions: number
}

export interface Block extends BlockHeader {
  hash: string
  signature: SignatureObject
}

/** The prev_hash of the genesis block (height 0). */
export const GENESIS_PREV_HASH = '0'.repeat(64)

export function transactionHash(body: TransactionBody): string {
  const {seq, type, timestamp, data} = body
  // The canonical text hashed as its UTF-8 (canonicalJson refuses what has none), without a copy as bytes.
  return sha256Hex(canonicalJson({seq, type, timestamp, data}))
}

const LEAF_PREFIX = Uint8Array.of(0)
const NODE_PREFIX = Uint8Array.of(1)

/** RFC 6962 Merkle tree hash over transaction hashes (hex); prefixes keep leaves and nodes apart. */
export function merkleRoot(txHashes: readonly string[]): string {
  if (txHashes.length === 0) return sha256Hex(new Uint8Array())
  let level = txHashes.map((hash) => sha256(concat(LEAF_PREFIX, hexBytes(hash))))
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? sha256(concat(NODE_PREFIX, level[i], level[i + 1])) : level[i])
    }
    level = next
  }
  return toHex(level[0])
}

export function blockHash(header: BlockHeader): string {
  const {height, prev_hash, merkle_root, timestamp, transactions} = header
  return sha256Hex(canonicalJson({height, prev_hash, merkle_root, timestamp, transactions}))
}

/** The hash of a block read from elsewhere, or undefined when its header has no RFC 8785 form. */
export function blockHashOrUndefined(header: BlockHeader): string | undefined {
  return hashOrUndefined(() => blockHash(header))
}

/** Builds and signs a block over the given transactions; the signature covers the 32 hash bytes. */
export function sealBlock(
  previous: {height: number; hash: string} | undefined,
  txs: readonly Transaction[],
  timestamp: string,
  signer: Ed25519Signer,
): Block {
  const header: BlockHeader = {
    height: previous ? previous.height + 1 : 0,
    prev_hash: previous ? previous.hash : GENESIS_PREV_HASH,
    merkle_root: merkleRoot(txs.map((tx) => tx.tx_hash)),
    timestamp,
    transactions: txs.length,
  }
  const hash = blockHash(header)
  return {...header, hash, signature: signBytes(signer, hexBytes(hash))}
}

export type BlockFailure = 'tx_malformed' | 'tx_hash_mismatch' | 'merkle_mismatch' | 'count_mismatch' | 'hash_mismatch' | 'broken_link' | SignatureFailure

/**
 * Recomputes one block from its full transactions and checks its link to the previous block and its
 * signature. Returns the first thing that does not hold, or undefined.
 */
export function checkBlock(
  block: Block,
  txs: readonly Transaction[],
  previous: {height: number; hash: string} | undefined,
  trustedKeyIds: ReadonlySet<string>,
): BlockFailure | undefined {
  const txHashes = txs.map((tx) => hashOrUndefined(() => transactionHash(tx)))
  if (txHashes.includes(undefined)) return 'tx_malformed'
  if (txs.some((tx, i) => txHashes[i] !== tx.tx_hash)) return 'tx_hash_mismatch'
  if (block.transactions !== txs.length) return 'count_mismatch'
  if (merkleRoot(txs.map((tx) => tx.tx_hash)) !== block.merkle_root) return 'merkle_mismatch'
  if (blockHashOrUndefined(block) !== block.hash) return 'hash_mismatch'
  const expectedPrev = previous ? previous.hash : GENESIS_PREV_HASH
  if (block.prev_hash !== expectedPrev || block.height !== (previous ? previous.height + 1 : 0)) return 'broken_link'
  const hashBytes = fromHex(block.hash)
  if (!hashBytes || hashBytes.length !== 32) return 'hash_mismatch'
  return checkSignature(block.signature, hashBytes, trustedKeyIds)
}

/** A value with no RFC 8785 form (a lone surrogate, a non-finite number) has no hash: undefined. */
function hashOrUndefined(hash: () => string): string | undefined {
  try {
    return hash()
  } catch {
    return undefined
  }
}

function hexBytes(hex: string): Uint8Array {
  const bytes = fromHex(hex)
  if (!bytes) throw new TypeError(`not a hex hash: ${hex}`)
  return bytes
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}
