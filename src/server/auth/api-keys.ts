// API keys: 32 random bytes, shown once, stored only as their SHA-256. A presented key is hashed and
// compared against every stored hash with timingSafeEqual, without stopping at the first match, so
// the time taken says nothing about which key, or how much of one, matched.
import {randomBytes, timingSafeEqual} from 'node:crypto'

import {sha256, sha256Hex} from '../../protocol/encoding.js'
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
  return sha256Hex(key)
}

export type AuthResult = {principal: Principal} | {failure: string}

/** A stored key with its hash as bytes, decoded once rather than on every request. */
export interface KnownKey {
  record: ApiKeyRecord
  hash: Buffer
}

export function knownKeys(keys: readonly ApiKeyRecord[]): KnownKey[] {
  return keys.map((record) => ({record, hash: Buffer.from(record.key_hash, 'hex')}))
}

export function authenticate(presented: string | undefined, keys: readonly KnownKey[]): AuthResult {
  if (!presented) return {failure: 'missing X-Api-Key header'}
  const hash = sha256(presented)
  let match: ApiKeyRecord | undefined
  for (const key of keys) {
    // A stored hash of another length (not SHA-256 hex) matches nothing, as timingSafeEqual would refuse it.
    if (key.hash.length === hash.length && timingSafeEqual(key.hash, hash)) match = key.record
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
