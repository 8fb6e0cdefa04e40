// /explorer/stats: counts kept by the store, and miners seen within the activity window.
import type {AsyncStore} from '../store/async-store.js'

export interface NetworkStats {
  total_jobs: number
  active_miners: number
  total_receipts: number
  block_height: number
}

export async function networkStats(store: AsyncStore, activeMinerSeconds: number, now: number): Promise<NetworkStats> {
  const [total_jobs, active_miners, total_receipts, head] = await Promise.all([
    store.jobCount(),
    store.countActiveMiners(new Date(now - activeMinerSeconds * 1000).toISOString()),
    store.receiptCount(),
    store.headBlock(),
  ])
  return {total_jobs, active_miners, total_receipts, block_height: head?.height ?? 0}
}
