// Seals pending ledger transactions into a block every block interval. Sealing happens between
// requests (Node runs one thing at a time), so a block never splits a request's transactions.
import type {Clock} from '../clock.js'
import type {Logger} from '../logger.js'
import type {Store} from '../store/store.js'
import type {Ledger} from './ledger.js'

export class BlockSealer {
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly ledger: Ledger,
    private readonly store: Store,
    private readonly intervalSeconds: number,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.sealNow(), this.intervalSeconds * 1000).unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  async sealNow(): Promise<void> {
    try {
      if (this.ledger.sealPending(new Date(this.clock.now()))) await this.store.commit()
    } catch (error) {
      this.log(`sealing a block failed: ${(error as Error).message}`)
    }
  }
}
