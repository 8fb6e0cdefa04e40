// One typed function per coordinator operation the CLI and the miner use, so commands never spell a
// route: `getJob(client, id)` rather than `client.GET('/v1/jobs/{job_id}', …)`. Each returns the
// operation's success body or throws ApiError / UnreachableError (client/errors.ts). Multi-request
// flows are in jobs.ts (a retry-safe submit) and pages.ts (every page of a list).
import type {operations} from '../contract/api-schema.js'
import {type ApiClient, type Block, type BlockDetail, callFetch, type FetchResult, type Job, type Miner, type Receipt, type Schemas, unwrap} from './client.js'

/** The query parameters of a contract operation, by its operationId. */
type Query<Operation extends keyof operations> = NonNullable<operations[Operation]['parameters']['query']>

/** Options of one call that differ from the client's others (see callFetch in client.ts). */
export interface CallOptions {
  signal?: AbortSignal
  /** A long poll: the coordinator may hold the answer this long, on top of the request timeout. */
  waitSeconds?: number
  /** `0` leaves backing off to a caller that does it itself. */
  retries?: number
  /** A shorter timeout for the whole call than the client's. */
  requestTimeoutMs?: number
}

/** A page of a list paged by a cursor, and the `before` of the next page while more follow. */
export interface Page<T> {
  items: T[]
  next?: string
}

/** The page an answer holds; X-Next-Before names the next (pages.ts follows them). */
async function cursorPage<T>(pending: Promise<FetchResult<T[]>>): Promise<Page<T>> {
  const items = await unwrap(pending)
  return {items, next: (await pending).response.headers.get('x-next-before') ?? undefined}
}

function transport(client: ApiClient, {signal, ...change}: CallOptions) {
  const changed = change.waitSeconds !== undefined || change.retries !== undefined || change.requestTimeoutMs !== undefined
  return {signal, ...(changed ? {fetch: callFetch(client, change)} : {})}
}

// System

export const getHealth = (client: ApiClient, options: CallOptions = {}) => unwrap(client.GET('/health', transport(client, options)))

export const listSigningKeys = (client: ApiClient): Promise<Schemas['SigningKey'][]> => unwrap(client.GET('/v1/keys'))

// Jobs

export const listJobs = (client: ApiClient, query: Query<'listJobs'> = {}): Promise<Page<Job>> => cursorPage(client.GET('/v1/jobs', {params: {query}}))

export const getJob = (client: ApiClient, jobId: string, options: CallOptions = {}): Promise<Job> =>
  unwrap(client.GET('/v1/jobs/{job_id}', {params: {path: {job_id: jobId}}, ...transport(client, options)}))

export const cancelJob = (client: ApiClient, jobId: string): Promise<Job> => unwrap(client.POST('/v1/jobs/{job_id}/cancel', {params: {path: {job_id: jobId}}}))

// Miners

export const registerMiner = (client: ApiClient, registration: Schemas['MinerRegistration'], options: CallOptions = {}): Promise<Miner> =>
  unwrap(client.POST('/v1/miners/register', {body: registration, ...transport(client, options)}))

/** The next job a miner may take (null when none came), long-polling up to `wait` seconds. */
export async function availableJob(client: ApiClient, query: Query<'getAvailableJob'>, options: CallOptions = {}): Promise<Job | null> {
  return (await unwrap(client.GET('/v1/jobs/available', {params: {query}, ...transport(client, options)}))) ?? null
}

/**
 * Claim-next (an extension): the next job a miner may take, already claimed for it (null when none came
 * within `wait` seconds). Older coordinators answer 404 for the route.
 */
export async function claimNextJob(client: ApiClient, body: Schemas['ClaimNextRequest'], options: CallOptions = {}): Promise<Job | null> {
  return (await unwrap(client.POST('/v1/miners/claim-next', {body, ...transport(client, options)}))) ?? null
}

export const claimJob = (client: ApiClient, jobId: string, minerId: string): Promise<Job> =>
  unwrap(client.POST('/v1/jobs/{job_id}/claim', {params: {path: {job_id: jobId}}, body: {miner_id: minerId}}))

export const completeJob = (client: ApiClient, jobId: string, result: Schemas['JobResult']): Promise<Receipt> =>
  unwrap(client.POST('/v1/jobs/{job_id}/complete', {params: {path: {job_id: jobId}}, body: result}))

/** A piece of a running job's output, streamed by the miner holding it (the coordinator fans it out). */
export const appendJobOutput = (client: ApiClient, jobId: string, output: Schemas['JobOutput'], options: CallOptions = {}): Promise<Schemas['JobOutputAccepted']> =>
  unwrap(client.POST('/v1/jobs/{job_id}/output', {params: {path: {job_id: jobId}}, body: output, ...transport(client, options)}))

export const failJob = (client: ApiClient, jobId: string, failure: Schemas['JobFailure']): Promise<Job> =>
  unwrap(client.POST('/v1/jobs/{job_id}/fail', {params: {path: {job_id: jobId}}, body: failure}))

// Receipts and the ledger

export const listReceipts = (client: ApiClient, query: Query<'listReceipts'> = {}): Promise<Page<Receipt>> =>
  cursorPage(client.GET('/v1/receipts', {params: {query}}))

export const getReceipt = (client: ApiClient, receiptId: string): Promise<Receipt> =>
  unwrap(client.GET('/v1/receipts/{receipt_id}', {params: {path: {receipt_id: receiptId}}}))

/** A receipt exactly as the coordinator sent it: the text a verifier must check, not a re-serialisation. */
export async function getReceiptText(client: ApiClient, receiptId: string): Promise<string> {
  const text = await unwrap(client.GET('/v1/receipts/{receipt_id}', {params: {path: {receipt_id: receiptId}}, parseAs: 'text'}))
  return text as unknown as string
}

export const listBlocks = (client: ApiClient, query: Query<'listBlocks'> = {}): Promise<Block[]> => unwrap(client.GET('/explorer/blocks', {params: {query}}))

/** A block with all its transactions: the coordinator answers a page of them at a time (`tx_offset`). */
export async function getBlock(client: ApiClient, height: number): Promise<BlockDetail> {
  const first = await unwrap(client.GET('/explorer/blocks/{height}', {params: {path: {height}}}))
  const transactions = [...first.transaction_list]
  while (transactions.length < first.transactions) {
    const page = await unwrap(client.GET('/explorer/blocks/{height}', {params: {path: {height}, query: {tx_offset: transactions.length}}}))
    if (page.transaction_list.length === 0) break
    transactions.push(...page.transaction_list)
  }
  return {...first, transaction_list: transactions}
}

export const listTransactions = (client: ApiClient, query: Query<'listTransactions'> = {}): Promise<Schemas['Transaction'][]> =>
  unwrap(client.GET('/explorer/transactions', {params: {query}}))

export const listPublicReceipts = (client: ApiClient, query: Query<'listExplorerReceipts'> = {}): Promise<Receipt[]> =>
  unwrap(client.GET('/explorer/receipts', {params: {query}}))

export const getNetworkStats = (client: ApiClient): Promise<Schemas['NetworkStats']> => unwrap(client.GET('/explorer/stats'))

// Admin

export const listApiKeys = (client: ApiClient): Promise<Schemas['ApiKeyInfo'][]> => unwrap(client.GET('/v1/admin/keys'))

export const createApiKey = (client: ApiClient, request: Schemas['ApiKeyRequest']) => unwrap(client.POST('/v1/admin/keys', {body: request}))

export const revokeApiKey = (client: ApiClient, name: string): Promise<Schemas['ApiKeyInfo']> => unwrap(client.DELETE('/v1/admin/keys/{name}', {params: {path: {name}}}))
