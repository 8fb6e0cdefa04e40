// Seals pending ledger transactions into a block every block interval, while this replica leads block
// sealing (docs/postgres.md: one sealer at a time; the embedded store's process always leads). A block
// never splits a change's transactions: each change appends its transactions in one store call.
import type {Ed25519Signer} from '../../protocol/ed25519.js'
import {sealBlock} from '../../protocol/ledger.js'
import type {Clock} from '../clock.js'
import type {Logger} from '../logger.js'
import type {AsyncStore, Leadership} from '../store/async-store.js'
import type {BlockRecord} from '../store/records.js'

export class BlockSealer {
  private timer: NodeJS.Timeout | undefined
  private leadership: Leadership | undefined
  private sealing: Promise<BlockRecord | undefined> | undefined

  constructor(
    private readonly store: AsyncStore,
    private readonly signer: Ed25519Signer,
    private readonly intervalSeconds: number,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  /** Whether this replica seals blocks now. */
  get isLeader(): boolean {
    return this.leadership?.isLeader ?? false
  }

  start(): void {
    this.leadership ??= this.store.leadBlockSealing()
    this.timer ??= setInterval(() => void this.sealNow(), this.intervalSeconds * 1000).unref()
  }

  /** Stops sealing on the interval; the lead is kept until `release()` (a last block may follow). */
  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  async release(): Promise<void> {
    await this.sealing?.catch(() => undefined)
    await this.leadership?.release()
  }

  /** Seals what is pending now when leading (one seal at a time per replica); errors are logged. */
  async sealNow(): Promise<BlockRecord | undefined> {
    this.leadership ??= this.store.leadBlockSealing()
    const leadership = this.leadership
    this.sealing = (this.sealing ?? Promise.resolve(undefined))
      .catch(() => undefined)
      .then(() => this.store.sealBlock(leadership, (previous, txs) => sealBlock(previous, txs, new Date(this.clock.now()).toISOString(), this.signer)))
    try {
      return await this.sealing
    } catch (error) {
      this.log(`sealing a block failed: ${(error as Error).message}`)
      return undefined
    }
  }
}
