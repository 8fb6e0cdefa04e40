// Ids of jobs and receipts: a prefix and a ULID (time-ordered, 80 random bits). The randomness comes
// from a pooled buffer refilled by node:crypto: the ulid package's default asks for one byte per
// character, which cost more than the rest of a job submit.
import {randomFillSync} from 'node:crypto'
import {ulid} from 'ulid'

const pool = Buffer.alloc(4096)
let used = pool.length

function pooledRandom(): number {
  if (used === pool.length) {
    randomFillSync(pool)
    used = 0
  }
  return pool[used++] / 256
}

export function newId(prefix: 'job' | 'rcpt'): string {
  return `${prefix}_${ulid(undefined, pooledRandom)}`
}
