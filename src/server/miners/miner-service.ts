// Miner registration. A miner_id belongs to the principal that first registered it; registering again
// is the heartbeat and may change capabilities. The ledger records a registration when it is new or
// changes what the miner offers, not on every heartbeat.
import {isDeepStrictEqual} from 'node:util'

import type {Principal} from '../auth/api-keys.js'
import type {Clock} from '../clock.js'
import {forbidden, limitReached} from '../domain-errors.js'
import type {Ledger} from '../ledger/ledger.js'
import type {GpuInfo, MinerRecord} from '../store/records.js'
import type {Store} from '../store/store.js'

export interface MinerRegistration {
  miner_id: string
  capabilities: string[]
  gpu_info?: GpuInfo
}

export class MinerService {
  /** When a miner offering each model was last seen; built from the store on first use, then kept up. */
  private lastSeenByModel?: Map<string, number>

  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
    private readonly clock: Clock,
    private readonly caps: {maxMinersPerKey: number; maxCapabilities: number},
  ) {}

  /** Miner ids per principal, counted once from the store and kept up to date by registrations. */
  private perPrincipal: Map<string, number> | undefined

  /** Whether a registered miner offering `model` has been seen within `seconds` (a submit warns if not). */
  servedRecently(model: string, seconds: number, now = this.clock.now()): boolean {
    if (!this.lastSeenByModel) {
      this.lastSeenByModel = new Map()
      for (const miner of this.store.miners()) this.noteSeen(miner)
    }
    return (this.lastSeenByModel.get(model) ?? -Infinity) >= now - seconds * 1000
  }

  private noteSeen(miner: MinerRecord): void {
    const seen = Date.parse(miner.last_seen)
    for (const model of miner.capabilities) {
      if (!(this.lastSeenByModel!.get(model)! >= seen)) this.lastSeenByModel!.set(model, seen)
    }
  }

  async register(principal: Principal, registration: MinerRegistration): Promise<MinerRecord> {
    const existing = this.store.getMiner(registration.miner_id)
    if (existing && existing.principal !== principal.name) {
      throw forbidden(`miner ${registration.miner_id} belongs to another principal; choose another miner_id`)
    }
    const capabilities = [...new Set(registration.capabilities)]
    if (capabilities.length > this.caps.maxCapabilities) {
      throw limitReached(
        `miner ${registration.miner_id} offers ${capabilities.length} capabilities, more than the ${this.caps.maxCapabilities} one miner may register (--max-capabilities); register the models it serves`,
        60,
      )
    }
    const owned = this.minersOf(principal.name)
    if (!existing && owned >= this.caps.maxMinersPerKey) {
      throw limitReached(
        `${principal.name} already registered ${owned} miner ids, the most one key may have (--max-miners-per-key ${this.caps.maxMinersPerKey}); reuse a miner_id`,
        60,
      )
    }
    const now = new Date(this.clock.now())
    const miner: MinerRecord = {
      miner_id: registration.miner_id,
      capabilities,
      ...(registration.gpu_info ? {gpu_info: registration.gpu_info} : {}),
      principal: principal.name,
      registered_at: existing?.registered_at ?? now.toISOString(),
      last_seen: now.toISOString(),
    }
    this.store.putMiner(miner)
    if (this.lastSeenByModel) this.noteSeen(miner)
    if (!existing) this.perPrincipal!.set(principal.name, owned + 1)
    const changed = !existing || !isDeepStrictEqual(existing.capabilities, miner.capabilities) || !isDeepStrictEqual(existing.gpu_info, miner.gpu_info)
    if (changed) {
      this.ledger.record('miner_registered', {miner_id: miner.miner_id, principal: miner.principal, capabilities: miner.capabilities}, now)
    }
    await this.store.commit()
    return miner
  }

  private minersOf(principal: string): number {
    if (!this.perPrincipal) {
      this.perPrincipal = new Map()
      for (const miner of this.store.miners()) this.perPrincipal.set(miner.principal, (this.perPrincipal.get(miner.principal) ?? 0) + 1)
    }
    return this.perPrincipal.get(principal) ?? 0
  }
}
