// Parsing of `aitbc serve` flag values into the coordinator's config; shared so the command stays thin.
import {DEFAULT_CONFIG, parseByteSize, parseModelPrices, parseNonNegativeNumber, type ServerConfig} from './config.js'

export interface ServeFlagValues {
  'lease-seconds': number
  'max-attempts': number
  'block-interval': number
  price: number
  'model-price'?: string[]
  'body-limit': string
  'max-prompt-bytes': string
  'rate-limit': number
  'rate-limit-burst'?: number
  'headers-timeout': number
  'request-timeout': number
  'keep-alive-timeout': number
}

export function configFromFlags(flags: ServeFlagValues): Partial<ServerConfig> {
  return {
    leaseSeconds: flags['lease-seconds'],
    maxAttempts: flags['max-attempts'],
    blockIntervalSeconds: flags['block-interval'],
    pricePer1000Tokens: flags.price,
    modelPrices: parseModelPrices(flags['model-price'] ?? []),
    bodyLimitBytes: parseByteSize(flags['body-limit']),
    maxPromptBytes: parseByteSize(flags['max-prompt-bytes']),
    rateLimitPerSecond: flags['rate-limit'],
    rateLimitBurst: flags['rate-limit-burst'],
    headersTimeoutSeconds: flags['headers-timeout'],
    requestTimeoutSeconds: flags['request-timeout'],
    keepAliveTimeoutSeconds: flags['keep-alive-timeout'],
  }
}

/** For a numeric flag: a plain non-negative decimal, optionally required to be above zero. */
export function parseFlagNumber(input: string, positive: boolean): number {
  const value = parseNonNegativeNumber(input)
  if (value === undefined || (positive && value === 0)) {
    throw new RangeError(`Expected a number ${positive ? 'greater than 0' : 'of at least 0'} but received: ${input}`)
  }
  return value
}

export const SERVE_DEFAULTS = {
  leaseSeconds: DEFAULT_CONFIG.leaseSeconds,
  maxAttempts: DEFAULT_CONFIG.maxAttempts,
  blockIntervalSeconds: DEFAULT_CONFIG.blockIntervalSeconds,
  price: DEFAULT_CONFIG.pricePer1000Tokens,
  bodyLimit: '1mb',
  maxPromptBytes: '512kb',
  rateLimit: DEFAULT_CONFIG.rateLimitPerSecond,
  headersTimeout: DEFAULT_CONFIG.headersTimeoutSeconds,
  requestTimeout: DEFAULT_CONFIG.requestTimeoutSeconds,
  keepAliveTimeout: DEFAULT_CONFIG.keepAliveTimeoutSeconds,
}
