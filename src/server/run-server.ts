// Running the coordinator: open (or create) the data directory, build the app, listen, and shut down
// cleanly: stop accepting, answer long polls, close idle connections at once and busy ones after their
// answer, let requests and a lease sweep in flight finish, seal and flush, close files.
import {once} from 'node:events'
import {createServer, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

import type {Ed25519Signer} from '../protocol/ed25519.js'
import {createApp, type CoordinatorApp} from './app.js'
import type {Clock} from './clock.js'
import {resolveConfig, type ServerConfig} from './config.js'
import {openOrInitDataDir, type InitResult} from './data-dir.js'
import type {AsyncStore} from './store/async-store.js'
import {EmbeddedAsyncStore} from './store/embedded-async-store.js'
import {openCoordinatorDatabase, resolveSigningKey, type SigningKeySource} from './store/postgres/coordinator-database.js'
import {lockDataDir} from './data-dir-lock.js'
import {NodeFileLayer} from './store/file-layer.js'
import type {StoreOptions} from './store/lowdb-store.js'
import {answerClientError, answerConnect} from './http/client-errors.js'
import type {Logger} from './logger.js'

export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PORT = 8001
/** How long shutdown waits for requests in flight before closing their connections. */
const DRAIN_TIMEOUT_MS = 10_000

/** `serve --database`: the coordinator's records in PostgreSQL, shared with other replicas. */
export interface DatabaseStart {
  url: string
  /** Where the signing key comes from (--key-file, AITBC_SIGNING_KEY, or an explicit --data-dir). */
  key: SigningKeySource
  /** Connections per replica (--db-pool-size). */
  poolSize?: number
  /** How often a replica that does not seal blocks tries to take over, in ms (--leader-retry). */
  retryMs?: number
  /** How long the block sealer may go unheard before PostgreSQL ends its lead, in ms (--leader-lease). */
  leaderLeaseMs?: number
  /** How long a transaction may wait for the replica's next statement, in ms (--db-transaction-idle). */
  transactionIdleMs?: number
}

export interface StartOptions {
  /** The embedded store's directory; unused with `database`. */
  dataDir: string
  database?: DatabaseStart
  host?: string
  /** 0 picks a free port. */
  port?: number
  config?: Partial<ServerConfig>
  log?: Logger
  /** Aborts a first initialisation of the data directory (Ctrl-C), leaving nothing behind. */
  signal?: AbortSignal
  clock?: Clock
  /** fdatasync every write before it is acknowledged (default true); false: a power cut may lose acknowledged writes. */
  fsync?: boolean
  /** The embedded store's intervals and sizes (--write-retry, --flush-log-bytes); defaults in lowdb-store.ts. */
  store?: Pick<StoreOptions, 'retryWriteMs' | 'checkpointBytes'>
  /** How long a refused start waits for the data directory's holder to say its pid (--lock-wait). */
  lockWaitMs?: number
}

export interface RunningServer {
  url: string
  host: string
  port: number
  dataDir: string
  app: CoordinatorApp
  /** Set when this start created the data directory: the keys, shown this once. */
  created?: InitResult
  /** Graceful shutdown; safe to call more than once. */
  close(): Promise<void>
}

export class ListenError extends Error {
  constructor(
    message: string,
    /** What to do about it, when known. */
    readonly hint?: string,
  ) {
    super(message)
    this.name = 'ListenError'
  }
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST
  // Settings are checked before the data directory is touched.
  const config = resolveConfig(options.config)
  const log: Logger = options.log ?? ((message) => console.error(message))
  const {store, signer, created, release} = await openStore(options, log)
  let app: CoordinatorApp
  let server: Server
  const connections = new ConnectionCloser()
  try {
    app = createApp({store, signer, config, log, clock: options.clock})
    server = createServer(httpTimeouts(config), connections.track(app.callback()))
    server.on('clientError', answerClientError)
    server.on('connect', answerConnect)
    server.listen(options.port ?? DEFAULT_PORT, host)
    await once(server, 'listening')
  } catch (error) {
    await store.close()
    await release()
    const code = (error as NodeJS.ErrnoException).code
    const port = options.port ?? DEFAULT_PORT
    if (!code) throw error
    const hint = code === 'EADDRINUSE' ? `Another program (another coordinator?) listens on port ${port}: stop it, or pick another port with --port (0 picks a free one).` : undefined
    throw new ListenError(`cannot listen on ${host}:${port}: ${code}`, hint)
  }
  app.coordinator.start()
  const port = (server.address() as AddressInfo).port
  let closing: Promise<void> | undefined
  const close = () => (closing ??= shutdown(server, app, store, connections).finally(release))
  return {url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, host, port, dataDir: options.dataDir, app, created, close}
}

interface OpenedStore {
  store: AsyncStore
  signer: Ed25519Signer
  created?: InitResult
  /** Lets go of the data directory (its one-writer lock) once the store is closed. */
  release: () => Promise<void>
}

async function openStore(options: StartOptions, log: Logger): Promise<OpenedStore> {
  if (options.database) {
    const {url, key, poolSize, retryMs, leaderLeaseMs, transactionIdleMs} = options.database
    const {signer, from} = await resolveSigningKey(key)
    const store = await openCoordinatorDatabase({connectionString: url, poolSize, retryMs, leaderLeaseMs, transactionIdleMs, log}, signer, from)
    return {store, signer, release: async () => undefined}
  }
  // One writer: the lock is taken before anything in the directory is read, and held until close.
  const lock = await lockDataDir(options.dataDir, options.lockWaitMs)
  try {
    const opened = await openOrInitDataDir(options.dataDir, options.signal, {
      ...options.store,
      files: new NodeFileLayer(options.fsync ?? true),
      onWriteState: (failure) => log(failure ? `${failure}; writes answer 503 and are retried` : 'writing the store works again'),
    })
    return {store: new EmbeddedAsyncStore(opened.store), signer: opened.signer, created: opened.created, release: () => lock.release()}
  } catch (error) {
    await lock.release()
    throw error
  }
}

/** Slow clients (headers or a body that trickle in, idle keep-alive connections) are cut off. */
function httpTimeouts(config: ServerConfig) {
  const headersTimeout = config.headersTimeoutSeconds * 1000
  return {
    headersTimeout,
    requestTimeout: config.requestTimeoutSeconds * 1000,
    keepAliveTimeout: config.keepAliveTimeoutSeconds * 1000,
    // Node checks the two request timeouts on this interval (30 s by default), so it bounds how late they hit.
    connectionsCheckingInterval: Math.min(1000, headersTimeout / 2),
  }
}

/**
 * Keep-alive connections end with the answer they are busy with once shutdown begins: a miner that
 * polls again on its open connection would otherwise keep the server up (and be answered at once, in
 * a loop) until the drain timeout, instead of seeing the coordinator gone and waiting quietly.
 */
class ConnectionCloser {
  private closing = false
  private readonly answering = new Set<ServerResponse>()

  track<Request>(handle: (request: Request, response: ServerResponse) => unknown): (request: Request, response: ServerResponse) => void {
    return (request, response) => {
      if (this.closing) response.setHeader('Connection', 'close')
      else {
        this.answering.add(response)
        response.once('close', () => this.answering.delete(response))
      }
      handle(request, response)
    }
  }

  closeAfterAnswers(): void {
    this.closing = true
    for (const response of this.answering) if (!response.headersSent) response.setHeader('Connection', 'close')
  }
}

async function shutdown(server: Server, app: CoordinatorApp, store: {close(): Promise<void>}, connections: ConnectionCloser): Promise<void> {
  connections.closeAfterAnswers()
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  app.coordinator.releaseWaiters()
  app.streams.close()
  server.closeIdleConnections()
  const timer = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS).unref()
  await closed
  clearTimeout(timer)
  await app.coordinator.stop()
  await store.close()
}

export interface ShutdownSignal {
  /** The first SIGINT or SIGTERM; a second one exits at once. */
  received: Promise<NodeJS.Signals>
  /**
   * Removes the handlers, whichever are installed: the command's way out, so that it leaves its process
   * as it found it (a test runs it in-process; a real process exits anyway).
   */
  dispose(): void
}

/** Catches SIGINT and SIGTERM until disposed. */
export function shutdownSignal(): ShutdownSignal {
  const exitAtOnce = (signal: NodeJS.Signals) => process.exit(signal === 'SIGINT' ? 130 : 143)
  let onSignal!: (signal: NodeJS.Signals) => void
  const received = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
      process.once('SIGINT', exitAtOnce).once('SIGTERM', exitAtOnce)
      resolve(signal)
    }
  })
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal)
  return {
    received,
    dispose: () => void process.off('SIGINT', onSignal).off('SIGTERM', onSignal).off('SIGINT', exitAtOnce).off('SIGTERM', exitAtOnce),
  }
}
