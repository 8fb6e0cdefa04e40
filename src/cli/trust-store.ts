// The keys a profile trusts to sign receipts and blocks, kept in the profile's `trusted_keys`. A key
// is trusted only because the user pinned it here (or passed it with --key); a key id written inside
// a receipt proves nothing by itself.
import {parseKeyId} from '../protocol/key-id.js'
import type {CliConfig, TrustedKey} from './config.js'
import {usageError} from './errors.js'

/** `source` of a key pinned by hand with `aitbc keys trust KEY_ID`. */
export const MANUAL_SOURCE = 'manual'

export class TrustStore {
  constructor(
    private readonly config: CliConfig,
    readonly profile: string,
  ) {}

  list(): TrustedKey[] {
    return this.config.profile(this.profile)?.trusted_keys ?? []
  }

  keyIds(): Set<string> {
    return new Set(this.list().map((key) => key.key_id))
  }

  /** Pins keys (already parsed key ids); returns those that were not pinned before. */
  add(keyIds: readonly string[], source: string, now = new Date()): string[] {
    const known = this.keyIds()
    const added = [...new Set(keyIds)].filter((keyId) => !known.has(keyId))
    if (added.length === 0) return []
    this.config.updateProfile(this.profile, (profile) => {
      profile.trusted_keys = [...(profile.trusted_keys ?? []), ...added.map((key_id) => ({key_id, added_at: now.toISOString(), source}))]
    })
    return added
  }

  /** Unpins a key; false when it was not pinned. */
  remove(keyId: string): boolean {
    if (!this.keyIds().has(keyId)) return false
    this.config.updateProfile(this.profile, (profile) => {
      profile.trusted_keys = (profile.trusted_keys ?? []).filter((key) => key.key_id !== keyId)
    })
    return true
  }
}

/** A key id given on the command line (base64url or hex), or a usage error that says what is wrong. */
/** A key id as typed: 43 base64url characters (the 32 bytes of an Ed25519 key), which may start with "-". */
export const KEY_ID_TOKEN = /^[A-Za-z0-9_-]{43}$/

export function keyIdArgument(text: string, flag: string): string {
  const parsed = parseKeyId(text)
  if ('problem' in parsed) throw usageError(`${flag} ${text}: ${parsed.problem}.`, 'Give the key id (base64url) or the public key (hex) as `aitbc keys list` or GET /v1/keys shows it.')
  return parsed.keyId
}

export const NO_TRUSTED_KEYS_HINT =
  'Pin the coordinator\'s key with `aitbc login` or `aitbc keys trust --from-coordinator`, pin one with `aitbc keys trust KEY_ID`, or pass --key KEY_ID.'

/**
 * The keys to verify against: only the --key keys when given, else those pinned in the profile (the
 * config file is not even opened with --key). No key at all is a usage error that says how to get one.
 */
export async function verificationKeys(keyFlags: readonly string[] | undefined, openStore: () => Promise<TrustStore>): Promise<Set<string>> {
  if (keyFlags && keyFlags.length > 0) return new Set(keyFlags.map((key) => keyIdArgument(key, '--key')))
  const store = await openStore()
  const keyIds = store.keyIds()
  if (keyIds.size === 0) throw usageError(`No trusted keys in profile "${store.profile}".`, NO_TRUSTED_KEYS_HINT)
  return keyIds
}

/** The --key flag of the verifying commands. */
export const KEY_FLAG_SUMMARY = 'Trust only this key (key id, base64url, or hex public key) instead of the pinned keys. Repeatable.'
