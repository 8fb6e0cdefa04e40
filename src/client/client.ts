// The one HTTP client for the coordinator: openapi-fetch over the generated contract types, so a call
// that does not match openapi/aitbc.yaml does not compile.
import createClient from 'openapi-fetch'

import {answerCheck} from './answer-check.js'
import type {components, paths} from '../contract/api-schema.js'
import {ApiError} from './errors.js'
import {DEFAULT_LIMIT_NAMES, DEFAULT_LIMITS, DEFAULT_RETRY, type FetchOptions, type RequestLimits, type RetryOptions, retryingFetch} from './retrying-fetch.js'
import type {LimitNames} from './transport.js'

export type ApiClient = ReturnType<typeof createClient<paths>>
export type Schemas = components['schemas']
export type Job = Schemas['Job']
export type Receipt = Schemas['Receipt']
export type Block = Schemas['Block']
export type BlockDetail = Schemas['BlockDetail']
export type Miner = Schemas['Miner']

export const DEFAULT_URL = 'http://127.0.0.1:8001'
/** The most any list endpoint returns per request (`limit` maximum in openapi/aitbc.yaml). */
export const MAX_PAGE_SIZE = 100

export interface ApiClientOptions {
  baseUrl: string
  apiKey?: string
  /** Sent as User-Agent, e.g. `aitbc/0.1.0`. */
  userAgent: string
  retry?: Partial<RetryOptions>
  limits?: Partial<RequestLimits>
  /** How the command line names each limit, for the error that says how to raise it. */
  limitNames?: LimitNames
}

/** The fetch options of each client, for calls that change them (callFetch). */
const fetchOptions = new WeakMap<ApiClient, FetchOptions>()

export function createApiClient(options: ApiClientOptions): ApiClient {
  const headers: Record<string, string> = {'User-Agent': options.userAgent}
  if (options.apiKey) headers['X-Api-Key'] = options.apiKey
  const fetching: FetchOptions = {...DEFAULT_RETRY, ...options.retry, ...DEFAULT_LIMITS, ...options.limits, names: options.limitNames ?? DEFAULT_LIMIT_NAMES}
  const client = createClient<paths>({baseUrl: options.baseUrl.replace(/\/+$/, ''), headers, fetch: retryingFetch(fetching)})
  client.use(answerCheck)
  fetchOptions.set(client, fetching)
  return client
}

/**
 * A fetch for one call of `client` that differs from its others: a long poll that the coordinator may
 * hold `waitSeconds` (on top of the request timeout), no retries for a caller that backs off itself, or
 * a shorter request timeout.
 */
export function callFetch(
  client: ApiClient,
  change: {waitSeconds?: number; retries?: number; requestTimeoutMs?: number},
): (request: Request) => Promise<Response> {
  const base = fetchOptions.get(client) ?? {...DEFAULT_RETRY, ...DEFAULT_LIMITS, names: DEFAULT_LIMIT_NAMES}
  return retryingFetch({
    ...base,
    retries: change.retries ?? base.retries,
    waitMs: (change.waitSeconds ?? 0) * 1000,
    requestTimeoutMs: Math.min(base.requestTimeoutMs, change.requestTimeoutMs ?? Infinity),
  })
}

interface FetchResult<D> {
  data?: D
  error?: unknown
  response: Response
}

/** The data of a successful call, or an ApiError built from the coordinator's `{detail, error_code}`. */
export async function unwrap<D>(pending: Promise<FetchResult<D>>): Promise<D> {
  const {data, error, response} = await pending
  if (response.ok) return data as D
  throw toApiError(response, error)
}

function toApiError(response: Response, body: unknown): ApiError {
  const {detail, error_code: code} = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const retryAfter = Number(response.headers.get('retry-after'))
  return new ApiError(
    response.status,
    typeof code === 'string' ? code : `http_${response.status}`,
    typeof detail === 'string' ? detail : typeof body === 'string' && body ? body : response.statusText || `HTTP ${response.status}`,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  )
}
