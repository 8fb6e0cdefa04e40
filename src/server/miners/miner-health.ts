// Failures counted per miner: a miner whose attempts fail (reported, or its lease ran out) more than
// --miner-failure-limit times within --miner-failure-window seconds gets no offers and no claims for
// --miner-cooldown seconds. Kept in memory: a restart forgives, which costs at most one more window.
import type {Clock} from '../clock.js'

export interface MinerHealthConfig {
  minerFailureLimit: number
  minerFailureWindowSeconds: number
  minerCooldownSeconds: number
}

interface Record {
  /** Times of recent failures, oldest first, only those within the window. */
  failures: number[]
  coolUntil: number
}

export class MinerHealth {
  private readonly miners = new Map<string, Record>()

  constructor(
    private readonly config: MinerHealthConfig,
    private readonly clock: Clock,
  ) {}

  recordFailure(minerId: string): void {
    const now = this.clock.now()
    const record = this.miners.get(minerId) ?? {failures: [], coolUntil: 0}
    record.failures = record.failures.filter((at) => at > now - this.config.minerFailureWindowSeconds * 1000)
    record.failures.push(now)
    if (record.failures.length > this.config.minerFailureLimit) {
      record.coolUntil = now + this.config.minerCooldownSeconds * 1000
      record.failures = []
    }
    this.miners.set(minerId, record)
  }

  /** Milliseconds of cool-down left for the miner, 0 when it may take jobs. */
  coolingDownMs(minerId: string): number {
    const record = this.miners.get(minerId)
    if (!record) return 0
    const now = this.clock.now()
    const left = record.coolUntil - now
    if (left <= 0 && record.failures.every((at) => at <= now - this.config.minerFailureWindowSeconds * 1000)) this.miners.delete(minerId)
    return Math.max(0, left)
  }
}
