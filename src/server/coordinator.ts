// The coordinator's services and background tasks, wired once: what the routes call, plus the lease
// sweeper and block sealer that run between requests. The store's events (from this replica or any
// other on the same database) wake long polls and drop cached keys.
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
import {KeyCache} from './auth/key-cache.js'
import {BlockSealer} from './ledger/block-sealer.js'
import {MinerService} from './miners/miner-service.js'
import {ReceiptService} from './receipts/receipt-service.js'
import type {AsyncStore, StoreEvent} from './store/async-store.js'

export class Coordinator {
  readonly keyCache: KeyCache
  readonly waiters = new JobWaiters()
  readonly jobs: JobService
  readonly miners: MinerService
  readonly receipts: ReceiptService
  readonly keys: KeyService
  readonly sealer: BlockSealer
  readonly sweeper: LeaseSweeper
  private readonly unsubscribe: () => void

  constructor(
    readonly store: AsyncStore,
    readonly signer: Ed25519Signer,
    readonly config: ServerConfig,
    contract: Contract,
    private readonly log: Logger,
    readonly clock: Clock = systemClock,
  ) {
    this.keyCache = new KeyCache(store)
    this.jobs = new JobService(store, signer, config, this.waiters, jobDefaults(contract), clock)
    this.miners = new MinerService(store, clock, config)
    this.receipts = new ReceiptService(store)
    this.keys = new KeyService(
      store,
      clock,
      (name) => this.jobs.revokePrincipal(name),
      () => this.keyCache.drop(),
    )
    this.sealer = new BlockSealer(store, signer, config.blockIntervalSeconds, log, clock)
    this.sweeper = new LeaseSweeper(this.jobs, config.leaseSeconds, log, clock)
    this.unsubscribe = store.subscribe((event) => this.onStoreEvent(event))
  }

  private onStoreEvent(event: StoreEvent): void {
    if (event.kind === 'job_pending') {
      this.waiters.notify(event.model)
      return
    }
    // A key changed (perhaps revoked: its waiting polls must answer 401 now), or events were missed.
    this.keyCache.drop()
    this.waiters.wakeAll()
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

  /**
   * Stops the background tasks, seals what is pending into a last block (when leading) and gives up
   * the lead. Every store call is durable when it resolves: nothing is left to flush here.
   */
  async stop(): Promise<void> {
    this.releaseWaiters()
    await this.sweeper.stop()
    this.sealer.stop()
    await this.sealer.sealNow()
    await this.sealer.release().catch((error: Error) => this.log(`giving up the block-sealing lead failed: ${error.message}`))
    this.unsubscribe()
  }
}
