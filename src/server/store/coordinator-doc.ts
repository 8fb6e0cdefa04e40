// The small mutable document kept with lowdb: store metadata, API keys (hashed) and miners. It is
// rewritten whole on change, so it holds nothing that grows with history.
import {ROLES, type ApiKeyRecord, type MinerRecord, type StoreMeta} from './records.js'

export interface CoordinatorDoc {
  meta: StoreMeta
  api_keys: ApiKeyRecord[]
  miners: MinerRecord[]
}

/** Throws with the reason when the document read from disk is not a coordinator document. */
export function checkCoordinatorDoc(value: unknown): CoordinatorDoc {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object')
  const doc = value as Partial<CoordinatorDoc>
  const meta = doc.meta as Partial<StoreMeta> | undefined
  if (!meta || meta.format !== 1) throw new Error('meta.format is missing or not 1 (not an aitbc store, or a newer one)')
  if (typeof meta.signing_key_id !== 'string' || typeof meta.created_at !== 'string') throw new Error('meta is incomplete')
  if (!Array.isArray(doc.api_keys)) throw new Error('api_keys is not a list')
  doc.api_keys.forEach((key: Partial<ApiKeyRecord>, i) => {
    const valid = typeof key?.name === 'string' && typeof key.key_hash === 'string' && /^[0-9a-f]{64}$/.test(key.key_hash) &&
      (ROLES as readonly unknown[]).includes(key.role) && typeof key.created_at === 'string'
    if (!valid) throw new Error(`api_keys[${i}] is not a valid key record`)
  })
  if (!Array.isArray(doc.miners)) throw new Error('miners is not a list')
  doc.miners.forEach((miner: Partial<MinerRecord>, i) => {
    const valid = typeof miner?.miner_id === 'string' && typeof miner.principal === 'string' && Array.isArray(miner.capabilities) &&
      typeof miner.registered_at === 'string' && typeof miner.last_seen === 'string'
    if (!valid) throw new Error(`miners[${i}] is not a valid miner record`)
  })
  return doc as CoordinatorDoc
}
