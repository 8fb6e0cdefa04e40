// Sends running jobs whose lease ran out back to pending (or to failed after the last attempt), and ends
// pending jobs older than the pending TTL as expired. It runs once at start, so what ran out while the
// coordinator was down is handled too.
import type {Clock} from '../clock.js'
import type {Logger} from '../logger.js'

export interface LeaseExpirer {
  expireLeases(now: Date): Promise<number>
  expirePending(now: Date): Promise<number>
}

export class LeaseSweeper {
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly jobs: LeaseExpirer,
    private readonly leaseSeconds: number,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  /** Checks every quarter lease, between 0.1 s and 1 s: late by at most that much. */
  get intervalMs(): number {
    return Math.min(1000, Math.max(100, (this.leaseSeconds * 1000) / 4))
  }

  start(): void {
    void this.sweep()
    this.timer ??= setInterval(() => void this.sweep(), this.intervalMs).unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  async sweep(): Promise<void> {
    try {
      const now = new Date(this.clock.now())
      await this.jobs.expireLeases(now)
      await this.jobs.expirePending(now)
    } catch (error) {
      this.log(`expiring leases or pending jobs failed: ${(error as Error).message}`)
    }
  }
}
