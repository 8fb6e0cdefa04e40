// The coordinator's services and background tasks, wired once: what the routes call, plus the lease
// sweeper and block sealer that run between requests.
import type {Ed25519Signer} from '../protocol/ed25519.js'
import {systemClock, type Clock} from './clock.js'
import type {ServerConfig} from './config.js'
import type {Contract} from './http/contract.js'
import type {Logger} from './logger.js'
import {jobDefaults} from './jobs/job-defaults.js'
import {JobService} from './jobs/job-service.js'
import {JobWaiters} from './jobs/job-waiters.js'
import {LeaseSweeper} from './jobs/lease-sweeper.js'
import {KeyService} from './keys/key-service.js'
import {BlockSealer} from './ledger/block-sealer.js'
import {Ledger} from './ledger/ledger.js'
import {MinerService} from './miners/miner-service.js'
import {ReceiptService} from './receipts/receipt-service.js'
import type {Store} from './store/store.js'

export class Coordinator {
  readonly ledger: Ledger
  readonly waiters = new JobWaiters()
  readonly jobs: JobService
  readonly miners: MinerService
  readonly receipts: ReceiptService
  readonly keys: KeyService
  readonly sealer: BlockSealer
  readonly sweeper: LeaseSweeper

  constructor(
    readonly store: Store,
    readonly signer: Ed25519Signer,
    readonly config: ServerConfig,
    contract: Contract,
    private readonly log: Logger,
    readonly clock: Clock = systemClock,
  ) {
    this.ledger = new Ledger(store, signer)
    this.jobs = new JobService(store, this.ledger, signer, config, this.waiters, jobDefaults(contract), clock)
    this.miners = new MinerService(store, this.ledger, clock, config)
    this.receipts = new ReceiptService(store)
    this.keys = new KeyService(store, clock, (name) => this.jobs.revokePrincipal(name))
    this.sealer = new BlockSealer(this.ledger, store, config.blockIntervalSeconds, log, clock)
    this.sweeper = new LeaseSweeper(this.jobs, config.leaseSeconds, log, clock)
  }

  /** Starts sealing blocks and expiring leases (at once for leases that ran out while stopped). */
  start(): void {
    this.sweeper.start()
    this.sealer.start()
  }

  /** Answers waiting long polls now, so shutdown does not wait for them. */
  releaseWaiters(): void {
    this.waiters.close()
  }

  /** Stops the background tasks, seals what is pending into a last block and flushes. */
  async stop(): Promise<void> {
    this.releaseWaiters()
    this.sweeper.stop()
    this.sealer.stop()
    await this.sealer.sealNow()
    // A store that can no longer write has already failed the requests that needed it; stopping goes on.
    await this.store.commit().catch((error: Error) => this.log(`final flush failed: ${error.message}`))
  }
}
