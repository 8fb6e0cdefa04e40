// How a registered miner looks to people.
import type {Miner} from '../client/client.js'
import {fields} from './render.js'

export function minerFields(miner: Miner): string {
  const gpu = [miner.gpu_info?.name, miner.gpu_info?.memory].filter(Boolean).join(', ')
  return fields([
    ['miner', miner.miner_id],
    ['models', miner.capabilities.join(', ')],
    ['gpu', gpu],
    ['principal', miner.principal],
    ['registered', miner.registered_at],
    ['last seen', miner.last_seen],
  ])
}
