// Waiting between attempts while something is down: exponential backoff with full jitter (the rule
// the API client uses for its own retries), cut short when the miner stops.
import {setTimeout as delay} from 'node:timers/promises'

import {backoffDelay, type RetryOptions} from '../client/retrying-fetch.js'

export type Backoff = Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>

export const DEFAULT_BACKOFF: Backoff = {baseDelayMs: 500, maxDelayMs: 10_000}

/** Waits the backoff for this attempt (0, 1, 2...); returns early, without throwing, when `signal` aborts. */
export function pause(attempt: number, backoff: Backoff, signal: AbortSignal): Promise<void> {
  return delay(backoffDelay(attempt, backoff), undefined, {signal}).catch(() => undefined)
}
