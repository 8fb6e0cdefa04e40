// Coordinator settings. Every one is an `aitbc serve` flag; the defaults here are the documented ones.
import {MAX_TIMER_SECONDS} from '../protocol/timers.js'

export interface ServerConfig {
  /** How long a claimed job may run before it goes back to pending (seconds). */
  leaseSeconds: number
  /** Different miners that may fail a job (report a failure or let the lease run out) before it fails for good. */
  maxAttempts: number
  /** How often pending transactions are sealed into a block (seconds). */
  blockIntervalSeconds: number
  /** Price per 1,000 tokens for models without their own price. */
  pricePer1000Tokens: number
  /** Price per 1,000 tokens per model name. */
  modelPrices: Record<string, number>
  /** Largest request body accepted (bytes). */
  bodyLimitBytes: number
  /** A miner counts as active in /explorer/stats if seen within this many seconds. */
  activeMinerSeconds: number
  /** Largest job prompt accepted (UTF-8 bytes); a larger one is a 413. */
  maxPromptBytes: number
  /** Requests per second allowed per principal (token bucket); 0 turns rate limiting off. */
  rateLimitPerSecond: number
  /** Requests a principal may send at once before the rate applies; default twice the rate. */
  rateLimitBurst?: number
  /** A client must send all request headers within this many seconds. */
  headersTimeoutSeconds: number
  /** A client must send the whole request (headers and body) within this many seconds. */
  requestTimeoutSeconds: number
  /** An idle keep-alive connection is closed after this many seconds. */
  keepAliveTimeoutSeconds: number
  /** A pending job no miner claimed within this many seconds ends as `expired`. */
  pendingTtlSeconds: number
  /** Jobs one client may have pending at once. */
  maxPendingPerClient: number
  /** Bytes of prompts of all pending jobs together. */
  maxQueuedPromptBytes: number
  /** Long polls (GET /v1/jobs/available) one key may have open at once. */
  maxPollsPerKey: number
  /** Miner ids one key may register. */
  maxMinersPerKey: number
  /** Capabilities (model names) one miner may register. */
  maxCapabilities: number
  /** A miner failing more than this many attempts within the failure window is cooled down. */
  minerFailureLimit: number
  /** The window failures are counted in (seconds). */
  minerFailureWindowSeconds: number
  /** How long a cooled-down miner gets no offers and no claims (seconds). */
  minerCooldownSeconds: number
  /** Bytes of answers not yet sent, over all connections; a large answer past it is a 503. */
  answerMemoryBytes: number
  /** An answer not sent within this many seconds (the client does not read it) closes its connection. */
  sendTimeoutSeconds: number
  /** Large answers built at once (answer-turns.ts); the rest wait their turn. */
  answerBuilders: number
  /** Large answers that may wait for their turn; past it a large answer is a 503. */
  answerQueue: number
  /** A list page stops growing past this many bytes, even below its limit. */
  pageBytes: number
  /** Bytes of streamed output kept for one running job (for followers); past it the miner stops streaming it. */
  streamJobBytes: number
  /** Bytes of streamed output kept for all running jobs together. */
  streamMemoryBytes: number
  /** Job output streams (Server-Sent Events) one key may follow at once. */
  maxStreamsPerKey: number
  /** A chat completion (the OpenAI-compatible gateway) waits this many seconds for its job, then 504. */
  gatewayTimeoutSeconds: number
}

export const DEFAULT_CONFIG: Readonly<ServerConfig> = Object.freeze({
  leaseSeconds: 300,
  maxAttempts: 3,
  blockIntervalSeconds: 2,
  pricePer1000Tokens: 1,
  modelPrices: {},
  bodyLimitBytes: 1024 * 1024,
  activeMinerSeconds: 120,
  maxPromptBytes: 512 * 1024,
  // Off by default: the coordinator listens on loopback unless told otherwise, and one busy miner or a
  // benchmark legitimately sends hundreds of requests a second with one key. Set it when exposing it.
  rateLimitPerSecond: 0,
  headersTimeoutSeconds: 10,
  requestTimeoutSeconds: 30,
  keepAliveTimeoutSeconds: 5,
  pendingTtlSeconds: 24 * 3600,
  maxPendingPerClient: 1000,
  maxQueuedPromptBytes: 256 * 1024 * 1024,
  maxPollsPerKey: 100,
  maxMinersPerKey: 100,
  maxCapabilities: 32,
  minerFailureLimit: 5,
  minerFailureWindowSeconds: 600,
  minerCooldownSeconds: 600,
  answerMemoryBytes: 64 * 1024 * 1024,
  sendTimeoutSeconds: 30,
  answerBuilders: 1,
  answerQueue: 64,
  pageBytes: 1024 * 1024,
  streamJobBytes: 1024 * 1024,
  streamMemoryBytes: 64 * 1024 * 1024,
  maxStreamsPerKey: 100,
  gatewayTimeoutSeconds: 600,
})

export function resolveConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const config = {...DEFAULT_CONFIG, ...overrides, modelPrices: {...DEFAULT_CONFIG.modelPrices, ...overrides.modelPrices}}
  const positive = [
    'leaseSeconds', 'blockIntervalSeconds', 'bodyLimitBytes', 'activeMinerSeconds', 'maxPromptBytes',
    'headersTimeoutSeconds', 'requestTimeoutSeconds', 'keepAliveTimeoutSeconds', 'pendingTtlSeconds',
    'maxQueuedPromptBytes', 'minerFailureWindowSeconds', 'minerCooldownSeconds', 'answerMemoryBytes',
    'sendTimeoutSeconds', 'pageBytes', 'streamJobBytes', 'streamMemoryBytes', 'gatewayTimeoutSeconds',
  ] as const
  for (const key of positive) {
    if (!(config[key] > 0) || !Number.isFinite(config[key])) throw new RangeError(`${key} must be a positive number`)
    // The serve flags refuse these already; a config given in code must not get past them.
    if (key.endsWith('Seconds') && config[key] > MAX_TIMER_SECONDS) throw new RangeError(`${key} must be at most ${MAX_TIMER_SECONDS} (the longest a timer can wait)`)
  }
  if (!Number.isInteger(config.answerQueue) || config.answerQueue < 0) throw new RangeError('answerQueue must be an integer >= 0')
  if (!(config.rateLimitPerSecond >= 0) || !Number.isFinite(config.rateLimitPerSecond)) throw new RangeError('rateLimitPerSecond must be a number >= 0')
  if (config.rateLimitBurst !== undefined && !(config.rateLimitBurst >= 1 && Number.isInteger(config.rateLimitBurst))) {
    throw new RangeError('rateLimitBurst must be a positive integer')
  }
  // Node refuses a server whose headers may take longer than the whole request.
  if (config.headersTimeoutSeconds > config.requestTimeoutSeconds) throw new RangeError('the headers timeout must not exceed the request timeout (--headers-timeout <= --request-timeout)')
  const counts = ['maxAttempts', 'maxPendingPerClient', 'maxPollsPerKey', 'maxMinersPerKey', 'maxCapabilities', 'minerFailureLimit', 'answerBuilders', 'maxStreamsPerKey'] as const
  for (const key of counts) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new RangeError(`${key} must be a positive integer`)
  }
  for (const [model, price] of Object.entries({'': config.pricePer1000Tokens, ...config.modelPrices})) {
    if (!(price >= 0) || !Number.isFinite(price)) throw new RangeError(`the price${model ? ` of ${model}` : ''} must be a number >= 0`)
  }
  return config
}

export function pricePer1000Tokens(config: ServerConfig, model: string): number {
  return Object.hasOwn(config.modelPrices, model) ? config.modelPrices[model] : config.pricePer1000Tokens
}

const SIZE_UNITS: Record<string, number> = {'': 1, b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3}

/** Parses a size such as `1048576`, `512kb` or `1mb` (units of 1024). */
export function parseByteSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined
  if (!match || unit === undefined) throw new RangeError(`not a size: ${JSON.stringify(text)} (try 1048576, 512kb or 1mb)`)
  const bytes = Math.floor(Number(match[1]) * unit)
  if (bytes < 1) throw new RangeError(`a size must be at least 1 byte: ${JSON.stringify(text)}`)
  return bytes
}

/** Parses `MODEL=PRICE` pairs (the repeatable --model-price flag). */
export function parseModelPrices(pairs: readonly string[]): Record<string, number> {
  const prices: Record<string, number> = {}
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=')
    const model = pair.slice(0, at).trim()
    const price = parseNonNegativeNumber(pair.slice(at + 1))
    if (at <= 0 || !model || price === undefined) throw new RangeError(`not MODEL=PRICE: ${JSON.stringify(pair)} (e.g. llama3.2=0.5)`)
    prices[model] = price
  }
  return prices
}

export function parseNonNegativeNumber(text: string): number | undefined {
  if (!/^\s*\d+(?:\.\d+)?(?:e[+-]?\d+)?\s*$/i.test(text)) return undefined
  const value = Number(text)
  return Number.isFinite(value) ? value : undefined
}
