// Per-principal rate limiting: a token bucket per principal name. Each request takes a token; tokens
// come back at `perSecond` up to `burst`. Buckets are keyed by principal, so their number is bounded by
// the API keys that exist, and a key presented wrongly never reaches here (it is a 401 first).
import {ApiError} from './api-error.js'

interface Bucket {
  tokens: number
  updatedAt: number
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Off when the rate is 0. */
  static fromConfig(config: {rateLimitPerSecond: number; rateLimitBurst?: number}): RateLimiter | undefined {
    if (config.rateLimitPerSecond === 0) return undefined
    return new RateLimiter(config.rateLimitPerSecond, config.rateLimitBurst ?? Math.max(1, Math.ceil(2 * config.rateLimitPerSecond)))
  }

  /** Takes a token for `principal`, or throws a 429 whose Retry-After says when the next one is due. */
  take(principal: string): void {
    const now = this.nowMs()
    const bucket = this.buckets.get(principal) ?? {tokens: this.burst, updatedAt: now}
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond)
    bucket.updatedAt = now
    this.buckets.set(principal, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond))
    throw new ApiError(
      429,
      'rate_limited',
      `too many requests from ${principal}: the limit is ${this.perSecond} per second (bursts of ${this.burst}); retry after ${retryAfter} s`,
      {'Retry-After': String(retryAfter)},
    )
  }
}
