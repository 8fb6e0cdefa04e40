// Starts the real coordinator in this process for tests: a temporary data directory initialised as by
// `aitbc serve init`, the real app from createApp, listening on 127.0.0.1 with a free port.
//
//   const server = await startTestServer()                 // options: {config, dataDir, keys}
//   const res = await server.request('/v1/jobs', {key: server.clientKey, method: 'POST', body: {prompt: 'hi'}})
//   res.status, res.body (parsed JSON, or the text), res.headers
//   const again = await server.restart()                   // same data dir and keys, new port
//   await again.close()                                    // stops and deletes the temp data dir
//
// Blocks are sealed every 0.2 s here instead of 2 s so ledger tests do not wait; pass `config` to change
// any setting (e.g. {leaseSeconds: 1}). Server error logs are collected in `logs`, not printed.
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {CoordinatorApp} from '../../src/server/app.js'
import type {Clock} from '../../src/server/clock.js'
import type {ServerConfig} from '../../src/server/config.js'
import {startServer} from '../../src/server/run-server.js'

export const TEST_CONFIG: Partial<ServerConfig> = {blockIntervalSeconds: 0.2}

export interface TestKeys {
  adminKey: string
  clientKey: string
  minerKey: string
}

export interface TestServerOptions {
  /** Settings on top of TEST_CONFIG. */
  config?: Partial<ServerConfig>
  /** An existing data directory; without it a temporary one is created (and deleted by close()). */
  dataDir?: string
  /** The keys of an existing data directory, so `adminKey` etc. are set (they cannot be read back). */
  keys?: TestKeys
  /** Where the coordinator's time comes from (e.g. a ManualClock); the system clock by default. */
  clock?: Clock
}

export interface TestResponse<T = unknown> {
  status: number
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: T
  headers: Headers
}

export interface RequestOptions {
  /** Sent as X-Api-Key. */
  key?: string
  method?: string
  /** Sent as JSON; a string is sent as is (to test malformed bodies). */
  body?: unknown
  headers?: Record<string, string>
  /** Aborts the request (e.g. AbortSignal.timeout(ms)). */
  signal?: AbortSignal
}

export interface TestServer extends TestKeys {
  /** e.g. http://127.0.0.1:39123 */
  url: string
  dataDir: string
  /** The signing key id (base64url of the public key): what receipts and blocks carry. */
  keyId: string
  /** The signing public key, hex. */
  publicKey: string
  /** {keyId}, ready for verifyReceipt and checkBlock. */
  trustedKeyIds: ReadonlySet<string>
  config: Partial<ServerConfig>
  /** The Koa app; `app.coordinator` has the services and the store. */
  app: CoordinatorApp
  logs: string[]
  request<T = unknown>(pathname: string, options?: RequestOptions): Promise<TestResponse<T>>
  /** Graceful shutdown (as on SIGTERM); the data directory stays. */
  stop(): Promise<void>
  /** stop(), then start again on the same data directory and keys, with optional new settings. */
  restart(config?: Partial<ServerConfig>): Promise<TestServer>
  /** stop(), then delete the data directory if this helper created it. */
  close(): Promise<void>
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownsDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? path.join(await mkdtemp(path.join(tmpdir(), 'aitbc-test-')), 'data')
  return start(dataDir, {...TEST_CONFIG, ...options.config}, options.keys, ownsDir, options.clock)
}

async function start(dataDir: string, config: Partial<ServerConfig>, keys: TestKeys | undefined, ownsDir: boolean, clock?: Clock): Promise<TestServer> {
  const logs: string[] = []
  const running = await startServer({dataDir, host: '127.0.0.1', port: 0, config, log: (line) => logs.push(line), clock})
  const created = running.created
  const known: TestKeys | undefined = created
    ? {adminKey: created.admin_key, clientKey: created.client_key, minerKey: created.miner_key}
    : keys
  if (!known) {
    await running.close()
    throw new Error(`startTestServer: ${dataDir} already existed; pass its keys`)
  }
  const signer = running.app.coordinator.signer
  const keyId = signer.keyId
  const server: TestServer = {
    ...known,
    url: running.url,
    dataDir,
    keyId,
    publicKey: Buffer.from(signer.publicKey).toString('hex'),
    trustedKeyIds: new Set([keyId]),
    config,
    app: running.app,
    logs,
    request: (pathname, requestOptions) => requestJson(running.url, pathname, requestOptions),
    stop: () => running.close(),
    restart: async (overrides) => {
      await running.close()
      return start(dataDir, {...config, ...overrides}, known, ownsDir, clock)
    },
    close: async () => {
      await running.close()
      if (ownsDir) await rm(path.dirname(dataDir), {recursive: true, force: true})
    },
  }
  return server
}

export async function requestJson<T = unknown>(baseUrl: string, pathname: string, options: RequestOptions = {}): Promise<TestResponse<T>> {
  const headers: Record<string, string> = {...options.headers}
  if (options.key !== undefined) headers['X-Api-Key'] = options.key
  let body: string | undefined
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
    headers['Content-Type'] ??= 'application/json'
  }
  const method = options.method ?? (body === undefined ? 'GET' : 'POST')
  const send = () => fetch(new URL(pathname, baseUrl), {method, headers, body, signal: options.signal})
  let response: Response
  try {
    response = await send()
  } catch (error) {
    // A kept-alive connection the server closed as idle while this process was too busy to notice (a
    // long synchronous check at load 20+) fails before any answer. A GET is sent again once, on a new
    // connection, as HTTP clients do for idempotent requests; a server that is gone fails again.
    if (method !== 'GET' || !isSocketFailure(error)) throw named(error, method, pathname)
    response = await send().catch((again: unknown) => Promise.reject(named(again, method, pathname)))
  }
  const text = await response.text()
  let parsed: unknown = text
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {
    // Not JSON: keep the text.
  }
  return {status: response.status, body: parsed as T, headers: response.headers}
}

/** fetch's bare "fetch failed" with the request and its cause in the message, so a failure says which and why. */
function named(error: unknown, method: string, pathname: string): unknown {
  if (!(error instanceof TypeError)) return error
  const cause = (error as {cause?: {code?: string; message?: string}}).cause
  return new TypeError(`${method} ${pathname}: ${error.message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`, {cause})
}

/** fetch's "fetch failed" whose cause is the connection, not the request or an abort. */
function isSocketFailure(error: unknown): boolean {
  const code = (error as {cause?: {code?: string}})?.cause?.code
  return error instanceof TypeError && (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET')
}
