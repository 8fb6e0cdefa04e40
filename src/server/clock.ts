// The coordinator's time. Everything where time decides (leases, offer holds, pending expiry, failure
// windows and cool-downs, timestamps) asks the clock, so tests move time instead of sleeping.
export interface Clock {
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number
}

export const systemClock: Clock = {now: () => Date.now()}

/** A clock that moves only when told: for tests. */
export class ManualClock implements Clock {
  constructor(private ms = Date.now()) {}

  now(): number {
    return this.ms
  }

  advance(ms: number): void {
    this.ms += ms
  }
}
