// Miner registration. A miner_id belongs to the principal that first registered it; registering again
// is the heartbeat and may change capabilities. The ledger records a registration when it is new or
// changes what the miner offers, not on every heartbeat.
import {isDeepStrictEqual} from 'node:util'

import type {Principal} from '../auth/api-keys.js'
import type {Clock} from '../clock.js'
import {forbidden} from '../http/api-error.js'
import type {Ledger} from '../ledger/ledger.js'
import type {GpuInfo, MinerRecord} from '../store/records.js'
import type {Store} from '../store/store.js'

export interface MinerRegistration {
  miner_id: string
  capabilities: string[]
  gpu_info?: GpuInfo
}

export class MinerService {
  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
    private readonly clock: Clock,
  ) {}

  async register(principal: Principal, registration: MinerRegistration): Promise<MinerRecord> {
    const existing = this.store.getMiner(registration.miner_id)
    if (existing && existing.principal !== principal.name) {
      throw forbidden(`miner ${registration.miner_id} belongs to another principal; choose another miner_id`)
    }
    const now = new Date(this.clock.now())
    const miner: MinerRecord = {
      miner_id: registration.miner_id,
      capabilities: [...new Set(registration.capabilities)],
      ...(registration.gpu_info ? {gpu_info: registration.gpu_info} : {}),
      principal: principal.name,
      registered_at: existing?.registered_at ?? now.toISOString(),
      last_seen: now.toISOString(),
    }
    this.store.putMiner(miner)
    const changed = !existing || !isDeepStrictEqual(existing.capabilities, miner.capabilities) || !isDeepStrictEqual(existing.gpu_info, miner.gpu_info)
    if (changed) {
      this.ledger.record('miner_registered', {miner_id: miner.miner_id, principal: miner.principal, capabilities: miner.capabilities}, now)
    }
    await this.store.commit()
    return miner
  }
}
