// Miner registration. A miner_id belongs to the principal that first registered it; registering again
// is the heartbeat and may change capabilities. The ledger records a registration when it is new or
// changes what the miner offers, not on every heartbeat. The checks run inside the store's change, so two
// replicas registering one id, or one principal's new ids, at once cannot pass them.
import {isDeepStrictEqual} from 'node:util'

import type {Principal} from '../auth/api-keys.js'
import type {Clock} from '../clock.js'
import {forbidden, limitReached} from '../domain-errors.js'
import type {components} from '../../contract/api-schema.js'
import {draft} from '../ledger/draft.js'
import type {AsyncStore} from '../store/async-store.js'
import type {MinerRecord} from '../store/records.js'

export type MinerRegistration = components['schemas']['MinerRegistration']

export class MinerService {
  /** When a miner offering each model was last seen, as this replica knows it (a submit's warning only). */
  private lastSeenByModel?: Promise<Map<string, number>>

  constructor(
    private readonly store: AsyncStore,
    private readonly clock: Clock,
    private readonly caps: {maxMinersPerKey: number; maxCapabilities: number},
  ) {}

  /**
   * Whether a registered miner offering `model` has been seen within `seconds` (a submit warns if not).
   * Built from the store on first use, then kept up by this replica's registrations and polls; a model
   * not seen here is looked up in the store before warning (it may be served through another replica).
   */
  async servedRecently(model: string, seconds: number, now = this.clock.now()): Promise<boolean> {
    const since = now - seconds * 1000
    if (this.lastSeenByModel) {
      const seen = (await this.lastSeenByModel).get(model) ?? -Infinity
      if (seen >= since) return true
    }
    const fresh = this.loadLastSeen()
    this.lastSeenByModel = fresh
    return ((await fresh).get(model) ?? -Infinity) >= since
  }

  private async loadLastSeen(): Promise<Map<string, number>> {
    const seen = new Map<string, number>()
    for (const miner of await this.store.listMiners({})) noteSeen(seen, miner)
    return seen
  }

  async register(principal: Principal, registration: MinerRegistration): Promise<MinerRecord> {
    const capabilities = [...new Set(registration.capabilities)]
    if (capabilities.length > this.caps.maxCapabilities) {
      throw limitReached(
        `miner ${registration.miner_id} offers ${capabilities.length} capabilities, more than the ${this.caps.maxCapabilities} one miner may register (--max-capabilities); register the models it serves`,
        60,
      )
    }
    const now = new Date(this.clock.now())
    const written = await this.store.changeMiner(
      registration.miner_id,
      (existing, owned) => {
        if (existing && existing.principal !== principal.name) {
          throw forbidden(`miner ${registration.miner_id} belongs to another principal; choose another miner_id`)
        }
        if (!existing && owned !== undefined && owned >= this.caps.maxMinersPerKey) {
          throw limitReached(
            `${principal.name} already registered ${owned} miner ids, the most one key may have (--max-miners-per-key ${this.caps.maxMinersPerKey}); reuse a miner_id`,
            60,
          )
        }
        const miner: MinerRecord = {
          miner_id: registration.miner_id,
          capabilities,
          ...(registration.gpu_info ? {gpu_info: registration.gpu_info} : {}),
          principal: principal.name,
          registered_at: existing?.registered_at ?? now.toISOString(),
          last_seen: now.toISOString(),
        }
        const changed = !existing || !isDeepStrictEqual(existing.capabilities, miner.capabilities) || !isDeepStrictEqual(existing.gpu_info, miner.gpu_info)
        const transactions = changed ? [draft('miner_registered', {miner_id: miner.miner_id, principal: miner.principal, capabilities: miner.capabilities}, now)] : []
        return {miner, transactions}
      },
      principal.name,
    )
    const miner = written!
    if (this.lastSeenByModel) noteSeen(await this.lastSeenByModel, miner)
    return miner
  }
}

function noteSeen(lastSeen: Map<string, number>, miner: MinerRecord): void {
  const seen = Date.parse(miner.last_seen)
  for (const model of miner.capabilities) {
    if (!(lastSeen.get(model)! >= seen)) lastSeen.set(model, seen)
  }
}
