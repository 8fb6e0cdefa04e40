// The one HTTP client for the coordinator: openapi-fetch over the generated contract types, so a call
// that does not match openapi/aitbc.yaml does not compile.
import createClient from 'openapi-fetch'

import type {components, paths} from './api-schema.js'
import {ApiError} from './errors.js'
import {DEFAULT_RETRY, type RetryOptions, retryingFetch} from './retrying-fetch.js'

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
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const headers: Record<string, string> = {'User-Agent': options.userAgent}
  if (options.apiKey) headers['X-Api-Key'] = options.apiKey
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers,
    fetch: retryingFetch({...DEFAULT_RETRY, ...options.retry}),
  })
}

/** A fetch for one call that needs a longer timeout than the client's (long polls). */
export function fetchWithTimeout(timeoutMs: number, retry?: Partial<RetryOptions>): (request: Request) => Promise<Response> {
  return retryingFetch({...DEFAULT_RETRY, ...retry, timeoutMs})
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
