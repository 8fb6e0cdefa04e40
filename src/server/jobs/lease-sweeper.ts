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
  /** The sweep running now, if any; sweeps run one after another. */
  private sweeping: Promise<void> | undefined

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
    // A tick while a sweep still runs (a busy machine) is skipped: the running one handles what it would.
    this.timer ??= setInterval(() => void (this.sweeping ?? this.sweep()), this.intervalMs).unref()
  }

  /**
   * Stops sweeping; resolves once a sweep in flight has finished. A shutdown waits for it: what it
   * changes must come before the last block is sealed and the store closed, not during the close.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.sweeping
  }

  /** A sweep at the clock's time now, after the one in flight (if any). */
  sweep(): Promise<void> {
    const next = (this.sweeping ?? Promise.resolve()).then(() => this.sweepOnce())
    this.sweeping = next
    void next.finally(() => {
      if (this.sweeping === next) this.sweeping = undefined
    })
    return next
  }

  private async sweepOnce(): Promise<void> {
    try {
      const now = new Date(this.clock.now())
      await this.jobs.expireLeases(now)
      await this.jobs.expirePending(now)
    } catch (error) {
      this.log(`expiring leases or pending jobs failed: ${(error as Error).message}`)
    }
  }
}
