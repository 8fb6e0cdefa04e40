// /explorer/stats: counts kept by the store, and miners seen within the activity window.
import type {Store} from '../store/store.js'

export interface NetworkStats {
  total_jobs: number
  active_miners: number
  total_receipts: number
  block_height: number
}

export function networkStats(store: Store, activeMinerSeconds: number, now: number): NetworkStats {
  const since = now - activeMinerSeconds * 1000
  let active = 0
  for (const miner of store.miners()) if (Date.parse(miner.last_seen) >= since) active++
  return {
    total_jobs: store.jobCount(),
    active_miners: active,
    total_receipts: store.receiptCount(),
    block_height: store.headBlock()?.height ?? 0,
  }
}
