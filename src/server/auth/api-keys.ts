// API keys: 32 random bytes, shown once, stored only as their SHA-256. A presented key is hashed and
// compared against every stored hash with timingSafeEqual, without stopping at the first match, so
// the time taken says nothing about which key, or how much of one, matched.
import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'

import type {ApiKeyRecord, Role} from '../store/records.js'

export const API_KEY_PREFIX = 'aitbc_'

export interface Principal {
  name: string
  role: Role
}

export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url')
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

export type AuthResult = {principal: Principal} | {failure: string}

export function authenticate(presented: string | undefined, keys: readonly ApiKeyRecord[]): AuthResult {
  if (!presented) return {failure: 'missing X-Api-Key header'}
  const hash = createHash('sha256').update(presented, 'utf8').digest()
  let match: ApiKeyRecord | undefined
  for (const key of keys) {
    if (timingSafeEqual(Buffer.from(key.key_hash, 'hex'), hash)) match = key
  }
  if (!match) return {failure: 'invalid API key'}
  if (match.revoked_at) return {failure: 'this API key has been revoked'}
  return {principal: {name: match.name, role: match.role}}
}

/** What the API shows of a key: never the secret or its hash. */
export function apiKeyInfo(key: ApiKeyRecord): {name: string; role: Role; created_at: string; revoked_at?: string} {
  const {name, role, created_at, revoked_at} = key
  return revoked_at ? {name, role, created_at, revoked_at} : {name, role, created_at}
}
