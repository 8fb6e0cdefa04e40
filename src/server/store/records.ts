// The records the coordinator keeps. Stored records are replaced, never mutated in place: a write puts
// a new object, so a record handed out earlier stays a consistent snapshot.
import type {Block, Transaction} from '../../protocol/ledger.js'
import type {JobStatus} from '../../protocol/job-states.js'
import type {Receipt} from '../../protocol/receipt.js'

export const ROLES = ['admin', 'client', 'miner'] as const
export type Role = (typeof ROLES)[number]

export interface ApiKeyRecord {
  /** The principal name: what jobs and receipts record instead of the key. Unique, never reused. */
  name: string
  role: Role
  /** SHA-256 (hex) of the secret; the secret itself is never stored. */
  key_hash: string
  created_at: string
  revoked_at?: string
}

export interface GpuInfo {
  name?: string
  memory?: string
}

export interface MinerRecord {
  miner_id: string
  capabilities: string[]
  gpu_info?: GpuInfo
  /** The principal that registered the miner; only it may use this miner_id. */
  principal: string
  registered_at: string
  last_seen: string
}

export interface JobParams {
  max_tokens: number
  temperature: number
  top_p: number
}

/** A message of a chat job (submitted through the OpenAI-compatible gateway). */
export interface ChatMessage {
  role: string
  content: string
}

export interface JobRecord {
  job_id: string
  status: JobStatus
  /** For a chat job, its messages rendered as text (gateway/chat-prompt.ts): what the receipt hashes. */
  prompt: string
  /** Only on chat jobs: the messages as sent, for backends with a chat endpoint. */
  messages?: ChatMessage[]
  model: string
  params: JobParams
  client: string
  attempts: number
  created_at: string
  result?: string
  error?: string
  miner_id?: string
  receipt_id?: string
  lease_expires_at?: string
  started_at?: string
  completed_at?: string
  /** Internal: miners whose attempt at this job failed; it goes to others first (job-service.ts). */
  failed_miners?: string[]
  /** Internal: when a failed attempt last put the job back in the queue. */
  requeued_at?: string
  /** Internal: the Idempotency-Key of the submit and a hash of its request, to answer retries. */
  idempotency?: {key: string; request_sha256: string}
}

export type ReceiptRecord = Receipt
export type BlockRecord = Block

/** A ledger transaction as the API shows it: `block_height` is null until a block seals it. */
export interface LedgerTransaction extends Transaction {
  block_height: number | null
}

export interface StoreMeta {
  format: 1
  created_at: string
  /** base64url of the public key that signs receipts and blocks in this store. */
  signing_key_id: string
}
