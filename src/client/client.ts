// The one HTTP client for the coordinator, typed by the generated contract (openapi-fetch's types over
// openapi/aitbc.yaml), so a call that does not match the contract does not compile. The calls run on
// ./retrying-fetch.ts and ./transport.ts (node:http) with plain objects: openapi-fetch's runtime builds
// fetch's Request and Headers, whose first use loads undici, some 60 ms of every network command's cold
// start (measured); the few rules of it the contract needs are here (path, query, JSON body).
import type {FetchResponse, MaybeOptionalInit} from 'openapi-fetch'

import {answerText, checkedAnswer} from './answer-check.js'
import type {components, paths} from '../contract/api-schema.js'
import {ApiError} from './errors.js'
import {DEFAULT_LIMIT_NAMES, DEFAULT_LIMITS, DEFAULT_RETRY, type FetchOptions, type RequestLimits, type RetryOptions, retryingFetch, type Send} from './retrying-fetch.js'
import type {Answer, LimitNames} from './transport.js'

export type Schemas = components['schemas']
export type Job = Schemas['Job']
export type Receipt = Schemas['Receipt']
export type Block = Schemas['Block']
export type BlockDetail = Schemas['BlockDetail']
export type Miner = Schemas['Miner']

export const DEFAULT_URL = 'http://127.0.0.1:8001'
/** The most any list endpoint returns per request (`limit` maximum in openapi/aitbc.yaml). */
export const MAX_PAGE_SIZE = 100

/** What a call tells of the answer besides its data: status and headers. */
export interface AnswerInfo {
  ok: boolean
  status: number
  statusText: string
  headers: {get(name: string): string | null}
}

type Verb = 'get' | 'post' | 'delete'
type PathOf<V extends Verb> = {[P in keyof paths]: paths[P] extends {[K in V]: object} ? P : never}[keyof paths]
/** openapi-fetch's options of a call (params, body, signal, parseAs), with our `fetch` (see callFetch). */
type CallOptions<P extends keyof paths, V extends Verb> = Omit<NonNullable<MaybeOptionalInit<paths[P], V>>, 'fetch'> & {fetch?: Send}
/** openapi-fetch's typed result (data or error), with AnswerInfo for its `response`. */
type Answered<R> = R extends unknown ? Omit<R, 'response'> & {response: AnswerInfo} : never
type CallMethod<V extends Verb> = <P extends PathOf<V>, Init extends CallOptions<P, V>>(
  url: P,
  ...init: Partial<Init> extends Init ? [Init?] : [Init]
) => Promise<Answered<FetchResponse<Extract<paths[P][V], object>, Init, `${string}/${string}`>>>

export interface ApiClient {
  GET: CallMethod<'get'>
  POST: CallMethod<'post'>
  DELETE: CallMethod<'delete'>
}

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

interface CallInit {
  params?: {path?: Record<string, unknown>; query?: Record<string, unknown>; header?: Record<string, unknown>}
  body?: unknown
  signal?: AbortSignal
  parseAs?: string
  fetch?: Send
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const headers: Record<string, string> = {'user-agent': options.userAgent}
  if (options.apiKey) headers['x-api-key'] = options.apiKey
  const fetching: FetchOptions = {...DEFAULT_RETRY, ...options.retry, ...DEFAULT_LIMITS, ...options.limits, names: options.limitNames ?? DEFAULT_LIMIT_NAMES}
  const send = retryingFetch(fetching)

  async function call(method: string, schemaPath: string, init: CallInit = {}) {
    const {params = {}, body, signal, parseAs} = init
    const callHeaders = {...headers, ...lowerCaseNames(params.header)}
    let bytes: Buffer | undefined
    if (body !== undefined) {
      bytes = Buffer.from(JSON.stringify(body), 'utf8')
      callHeaders['content-type'] = 'application/json'
    }
    const exchange = {url: new URL(`${baseUrl}${fillPath(schemaPath, params.path)}${queryString(params.query)}`), method, headers: callHeaders, body: bytes, signal}
    const answer = await (init.fetch ?? send)(exchange)
    const data = await checkedAnswer(exchange, answer, schemaPath)
    const response = answerInfo(answer)
    if (!response.ok) return {error: data, response}
    return {data: parseAs === 'text' ? answerText(answer) : data, response}
  }

  const client = {
    GET: (url: string, init?: CallInit) => call('GET', url, init),
    POST: (url: string, init?: CallInit) => call('POST', url, init),
    DELETE: (url: string, init?: CallInit) => call('DELETE', url, init),
  } as unknown as ApiClient
  fetchOptions.set(client, fetching)
  return client
}

/** `{job_id}` and the like filled in, each value percent-encoded (openapi's "simple" style). */
function fillPath(schemaPath: string, values: Record<string, unknown> = {}): string {
  return schemaPath.replace(/\{([^{}]+)\}/g, (whole, name: string) => {
    const value = values[name]
    return value === undefined || value === null ? whole : encodeURIComponent(String(value))
  })
}

/** `?a=1&b=x`: the contract's query parameters are all scalars (openapi's "form" style, exploded). */
function queryString(query: Record<string, unknown> = {}): string {
  const pairs: string[] = []
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one === 'object') throw new TypeError(`query parameter ${name}: objects have no form here`)
      pairs.push(`${name}=${encodeURIComponent(String(one))}`)
    }
  }
  return pairs.length > 0 ? `?${pairs.join('&')}` : ''
}

function lowerCaseNames(headers: Record<string, unknown> = {}): Record<string, string> {
  const lower: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && value !== null) lower[name.toLowerCase()] = String(value)
  return lower
}

function answerInfo(answer: Answer): AnswerInfo {
  return {
    ok: answer.status >= 200 && answer.status < 300,
    status: answer.status,
    statusText: answer.statusText,
    headers: {
      get(name) {
        const value = answer.headers[name.toLowerCase()]
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
      },
    },
  }
}

/**
 * The fetch for one call of `client` that differs from its others: a long poll that the coordinator may
 * hold `waitSeconds` (on top of the request timeout), no retries for a caller that backs off itself, or
 * a shorter request timeout.
 */
export function callFetch(client: ApiClient, change: {waitSeconds?: number; retries?: number; requestTimeoutMs?: number}): Send {
  const base = fetchOptions.get(client) ?? {...DEFAULT_RETRY, ...DEFAULT_LIMITS, names: DEFAULT_LIMIT_NAMES}
  return retryingFetch({
    ...base,
    retries: change.retries ?? base.retries,
    waitMs: (change.waitSeconds ?? 0) * 1000,
    requestTimeoutMs: Math.min(base.requestTimeoutMs, change.requestTimeoutMs ?? Infinity),
  })
}

export interface FetchResult<D> {
  data?: D
  error?: unknown
  response: AnswerInfo
}

/** The data of a successful call, or an ApiError built from the coordinator's `{detail, error_code}`. */
export async function unwrap<D>(pending: Promise<FetchResult<D>>): Promise<D> {
  const {data, error, response} = await pending
  if (response.ok) return data as D
  throw toApiError(response, error)
}

function toApiError(response: AnswerInfo, body: unknown): ApiError {
  const {detail, error_code: code} = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const retryAfter = Number(response.headers.get('retry-after'))
  return new ApiError(
    response.status,
    typeof code === 'string' ? code : `http_${response.status}`,
    typeof detail === 'string' ? detail : typeof body === 'string' && body ? body : response.statusText || `HTTP ${response.status}`,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  )
}
