// Rate limiting: a token bucket per principal name, and per client address for public operations. Each
// request takes a token; tokens come back at `perSecond` up to `burst`. Principals are bounded by the API
// keys that exist (a key presented wrongly is a 401 first); addresses are not, so past MAX_BUCKETS the
// oldest bucket is dropped (an address seen again starts with a full bucket, no more).
import {ApiError} from './api-error.js'

const MAX_BUCKETS = 100_000

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
    let bucket = this.buckets.get(principal)
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!)
      this.buckets.set(principal, (bucket = {tokens: this.burst, updatedAt: now}))
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond)
    bucket.updatedAt = now
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond))
    throw new ApiError(
      429,
      'rate_limited',
      `too many requests from ${principal}: the limit is ${this.perSecond} per second (bursts of ${this.burst}; --rate-limit, --rate-limit-burst); retry after ${retryAfter} s`,
      {'Retry-After': String(retryAfter)},
    )
  }
}
