// Advisory lock keys. PostgreSQL's two-int form: the first names aitbc, the second the purpose within one
// schema, so coordinators of different networks can share a database (one schema each) without
// taking each other's locks. Both halves are kept non-negative so they read the same in pg_locks.
const AITBC = 0x41544243 // "ATBC"

/** `miners_of:<principal>` guards one principal's count of miner ids. */
export type LockPurpose = 'migrate' | 'block_sealer' | 'seal' | 'api_keys' | 'admission' | `miners_of:${string}`

export function lockKey(schema: string, purpose: LockPurpose): [number, number] {
  return [AITBC, fnv1a32(`${schema}:${purpose}`) & 0x7fffffff]
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0
  return hash
}
