// Parsing of `aitbc serve` flag values into the coordinator's config; shared so the command stays thin.
import type {DatabaseStart} from './run-server.js'
import {SigningKeyError} from './signing-key.js'
import {checkDatabaseUrl} from './store/postgres/coordinator-database.js'
import {DatabaseStateError, SchemaVersionError} from './store/postgres/errors.js'
import {DEFAULT_CONFIG, parseByteSize, parseModelPrices, parseNonNegativeNumber, type ServerConfig} from './config.js'
import {ASK_HOLDER_MS} from './data-dir-lock.js'
import {CHECKPOINT_BYTES, RETRY_WRITE_MS} from './store/lowdb-store.js'

export interface ServeFlagValues {
  'lease-seconds': number
  'max-attempts': number
  'block-interval': number
  price: number
  'model-price'?: string[]
  'body-limit': string
  'max-prompt-bytes': string
  /** Undefined when not given: then it depends on the address (exposedRateLimit). */
  'rate-limit'?: number
  'rate-limit-burst'?: number
  'headers-timeout': number
  'request-timeout': number
  'keep-alive-timeout': number
  'pending-ttl': number
  'max-pending-per-client': number
  'max-queued-prompt-bytes': string
  'max-polls-per-key': number
  'max-miners-per-key': number
  'max-capabilities': number
  'miner-failure-limit': number
  'miner-failure-window': number
  'miner-cooldown': number
  'answer-memory': string
  'send-timeout': number
  'answer-builders': number
  'answer-queue': number
  'max-streams-per-key': number
  'page-bytes': string
  'stream-job-bytes': string
  'stream-memory': string
  'gateway-timeout': number
}

/** The rate limit a coordinator gets when it listens beyond loopback and the operator set none. */
export const EXPOSED_RATE_LIMIT = 50

/** Whether the address only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/**
 * --rate-limit as given, else off on loopback and EXPOSED_RATE_LIMIT elsewhere; `notice` is what serve
 * says at start about a limit it chose.
 */
export function rateLimitFor(host: string, given: number | undefined): {rate: number; notice?: string} {
  if (given !== undefined) return {rate: given}
  if (isLoopback(host)) return {rate: 0}
  return {
    rate: EXPOSED_RATE_LIMIT,
    notice: `listening on ${host}, not loopback: requests are limited to ${EXPOSED_RATE_LIMIT} per second per key and per client address (set --rate-limit; --rate-limit 0 turns it off)`,
  }
}

export function configFromFlags(flags: ServeFlagValues, host: string): Partial<ServerConfig> {
  return {
    leaseSeconds: flags['lease-seconds'],
    maxAttempts: flags['max-attempts'],
    blockIntervalSeconds: flags['block-interval'],
    pricePer1000Tokens: flags.price,
    modelPrices: parseModelPrices(flags['model-price'] ?? []),
    bodyLimitBytes: parseByteSize(flags['body-limit']),
    maxPromptBytes: parseByteSize(flags['max-prompt-bytes']),
    rateLimitPerSecond: rateLimitFor(host, flags['rate-limit']).rate,
    rateLimitBurst: flags['rate-limit-burst'],
    headersTimeoutSeconds: flags['headers-timeout'],
    requestTimeoutSeconds: flags['request-timeout'],
    keepAliveTimeoutSeconds: flags['keep-alive-timeout'],
    pendingTtlSeconds: flags['pending-ttl'],
    maxPendingPerClient: flags['max-pending-per-client'],
    maxQueuedPromptBytes: parseByteSize(flags['max-queued-prompt-bytes']),
    maxPollsPerKey: flags['max-polls-per-key'],
    maxMinersPerKey: flags['max-miners-per-key'],
    maxCapabilities: flags['max-capabilities'],
    minerFailureLimit: flags['miner-failure-limit'],
    minerFailureWindowSeconds: flags['miner-failure-window'],
    minerCooldownSeconds: flags['miner-cooldown'],
    answerMemoryBytes: parseByteSize(flags['answer-memory']),
    sendTimeoutSeconds: flags['send-timeout'],
    answerBuilders: flags['answer-builders'],
    answerQueue: flags['answer-queue'],
    pageBytes: parseByteSize(flags['page-bytes']),
    streamJobBytes: parseByteSize(flags['stream-job-bytes']),
    streamMemoryBytes: parseByteSize(flags['stream-memory']),
    maxStreamsPerKey: flags['max-streams-per-key'],
    gatewayTimeoutSeconds: flags['gateway-timeout'],
  }
}

/** For a numeric flag that is not seconds (a price, a rate): a plain non-negative decimal. */
export function parseFlagNumber(input: string): number {
  const value = parseNonNegativeNumber(input)
  if (value === undefined) throw new RangeError(`Expected a number of at least 0 but received: ${input}`)
  return value
}

export const SERVE_DEFAULTS = {
  leaseSeconds: DEFAULT_CONFIG.leaseSeconds,
  maxAttempts: DEFAULT_CONFIG.maxAttempts,
  blockIntervalSeconds: DEFAULT_CONFIG.blockIntervalSeconds,
  price: DEFAULT_CONFIG.pricePer1000Tokens,
  bodyLimit: '1mb',
  maxPromptBytes: '512kb',
  headersTimeout: DEFAULT_CONFIG.headersTimeoutSeconds,
  requestTimeout: DEFAULT_CONFIG.requestTimeoutSeconds,
  keepAliveTimeout: DEFAULT_CONFIG.keepAliveTimeoutSeconds,
  pendingTtl: DEFAULT_CONFIG.pendingTtlSeconds,
  maxPendingPerClient: DEFAULT_CONFIG.maxPendingPerClient,
  maxQueuedPromptBytes: '256mb',
  maxPollsPerKey: DEFAULT_CONFIG.maxPollsPerKey,
  maxMinersPerKey: DEFAULT_CONFIG.maxMinersPerKey,
  maxCapabilities: DEFAULT_CONFIG.maxCapabilities,
  minerFailureLimit: DEFAULT_CONFIG.minerFailureLimit,
  minerFailureWindow: DEFAULT_CONFIG.minerFailureWindowSeconds,
  minerCooldown: DEFAULT_CONFIG.minerCooldownSeconds,
  answerMemory: '64mb',
  sendTimeout: DEFAULT_CONFIG.sendTimeoutSeconds,
  answerBuilders: DEFAULT_CONFIG.answerBuilders,
  answerQueue: DEFAULT_CONFIG.answerQueue,
  pageBytes: '1mb',
  streamJobBytes: '1mb',
  streamMemory: '64mb',
  maxStreamsPerKey: DEFAULT_CONFIG.maxStreamsPerKey,
  gatewayTimeout: DEFAULT_CONFIG.gatewayTimeoutSeconds,
  fsync: 'on',
  writeRetry: RETRY_WRITE_MS / 1000,
  lockWait: ASK_HOLDER_MS / 1000,
  flushLogBytes: `${CHECKPOINT_BYTES / 1024 / 1024}mb`,
}

/** The data directory's store's flags; undefined when not given (a coordinator on --database refuses them). */
export interface StoreFlagValues {
  fsync?: string
  'write-retry'?: number
  'lock-wait'?: number
  'flush-log-bytes'?: string
}

/** The embedded store's settings from serve's flags, the defaults where not given (the PostgreSQL store has its own). */
export function storeStartFromFlags(flags: StoreFlagValues): {store: {retryWriteMs: number; checkpointBytes: number}; lockWaitMs: number; fsync: boolean} {
  return {
    store: {retryWriteMs: (flags['write-retry'] ?? SERVE_DEFAULTS.writeRetry) * 1000, checkpointBytes: parseByteSize(flags['flush-log-bytes'] ?? SERVE_DEFAULTS.flushLogBytes)},
    lockWaitMs: (flags['lock-wait'] ?? SERVE_DEFAULTS.lockWait) * 1000,
    fsync: (flags.fsync ?? SERVE_DEFAULTS.fsync) === 'on',
  }
}

/** The flags a coordinator on --database would ignore (its store is PostgreSQL), as given. */
export function dataDirStoreFlagsGiven(flags: StoreFlagValues): string[] {
  return (['fsync', 'write-retry', 'flush-log-bytes', 'lock-wait'] as const).filter((name) => flags[name] !== undefined).map((name) => `--${name}`)
}

export interface DatabaseFlagValues {
  database?: string
  'key-file'?: string
  'data-dir'?: string
  'db-pool-size': number
  'leader-retry': number
  'leader-lease': number
  'db-transaction-idle': number
}

/**
 * `serve --database` options from the flags, or undefined for the embedded store; a bad URL, or a flag
 * of the other store (which would be ignored), is a RangeError.
 */
export function databaseStart(flags: DatabaseFlagValues & StoreFlagValues): DatabaseStart | undefined {
  if (flags.database === undefined) {
    if (flags['key-file'] !== undefined) throw new RangeError('--key-file is for --database; a data directory keeps its own key')
    return undefined
  }
  const ignored = dataDirStoreFlagsGiven(flags)
  if (ignored.length > 0) throw new RangeError(`${ignored.join(', ')} ${ignored.length === 1 ? 'is' : 'are'} for the data directory's own store; a coordinator on --database (PostgreSQL) does not use ${ignored.length === 1 ? 'it' : 'them'}`)
  checkDatabaseUrl(flags.database)
  return {
    url: flags.database,
    key: {keyFile: flags['key-file'], dataDir: flags['data-dir']},
    poolSize: flags['db-pool-size'],
    retryMs: flags['leader-retry'] * 1000,
    leaderLeaseMs: flags['leader-lease'] * 1000,
    transactionIdleMs: flags['db-transaction-idle'] * 1000,
  }
}

/** Errors that stop a start with their message (exit 1), not a stack. */
export function startFailure(error: unknown): boolean {
  return error instanceof DatabaseStateError || error instanceof SigningKeyError || error instanceof SchemaVersionError
}
