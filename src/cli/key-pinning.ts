// Trust on first use of the coordinator's signing keys (GET /v1/keys), as ssh does for host keys:
// the first time a profile meets a coordinator its keys are pinned; later, a coordinator that offers
// none of the pinned keys is reported loudly and its new key is never pinned without the user.
import {listSigningKeys} from '../client/calls.js'
import type {ApiClient} from '../client/client.js'
import {ED25519} from '../protocol/ed25519.js'
import {fromHex, toBase64Url} from '../protocol/encoding.js'
import {parseKeyId} from '../protocol/key-id.js'
import type {TrustedKey} from './config.js'
import {CliError} from './errors.js'
import {ExitCode} from './exit-codes.js'
import {inert} from './inert-text.js'
import type {IO} from './io.js'

export type PinCheck =
  /** Nothing pinned in this profile yet: pin what the coordinator offers. */
  | {status: 'first-use'; offered: string[]}
  /** At least one offered key is pinned; `unpinned` lists offered keys that are not (a rotation?). */
  | {status: 'known'; offered: string[]; unpinned: string[]}
  /** Keys are pinned, and the coordinator offers none of them. */
  | {status: 'changed'; offered: string[]; pinned: string[]}

/** The coordinator's signing key ids: Ed25519 keys whose key_id and hex public_key agree and are usable. */
export async function fetchCoordinatorKeys(client: ApiClient): Promise<{keys: string[]; ignored: string[]}> {
  const listed = await listSigningKeys(client)
  const keys: string[] = []
  const ignored: string[] = []
  for (const key of listed) {
    const parsed = parseKeyId(key.key_id)
    const hex = fromHex(key.public_key.toLowerCase())
    const matches = 'keyId' in parsed && hex !== undefined && toBase64Url(hex) === parsed.keyId
    if (key.alg === ED25519 && matches) keys.push(parsed.keyId)
    else ignored.push(key.key_id)
  }
  return {keys, ignored}
}

export function comparePinnedKeys(pinned: readonly TrustedKey[], offered: readonly string[]): PinCheck {
  if (pinned.length === 0) return {status: 'first-use', offered: [...offered]}
  const pinnedIds = new Set(pinned.map((key) => key.key_id))
  const unpinned = offered.filter((keyId) => !pinnedIds.has(keyId))
  if (unpinned.length < offered.length) return {status: 'known', offered: [...offered], unpinned}
  return {status: 'changed', offered: [...offered], pinned: [...pinnedIds]}
}

/** Writes the warning for a coordinator that no longer offers any pinned key to stderr, loud on purpose. */
export function warnSigningKeyChanged(io: IO, url: string, check: Extract<PinCheck, {status: 'changed'}>, profile: string): void {
  io.stderr.write(`${io.paint(inert(changedKeyWarning(url, check, profile)), 'red', 'stderr')}\n`)
}

/**
 * A changed key is never pinned by --yes (a script could then never be protected by the warning): only
 * by --accept-changed-key or by pinning the key by its id, as ssh refuses a changed host key whatever
 * the options until the user removes the old one.
 */
export function signingKeyChangedError(url: string, profile: string): CliError {
  return new CliError(`Not pinning: the coordinator at ${url} offers none of the keys profile "${profile}" trusts.`, {
    exitCode: ExitCode.VERIFICATION_FAILED,
    code: 'signing_key_changed',
    hint: 'As ssh does for a changed host key, --yes does not accept it. Once its operator confirms the new key through another channel, pass --accept-changed-key (or pin it with `aitbc keys trust KEY_ID`).',
  })
}

export function changedKeyWarning(url: string, check: Extract<PinCheck, {status: 'changed'}>, profile: string): string {
  const rule = '@'.repeat(67)
  return [
    rule,
    '@    WARNING: COORDINATOR SIGNING KEY HAS CHANGED!                @',
    rule,
    'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
    `The coordinator at ${url} no longer offers any key pinned in profile "${profile}".`,
    'Someone could be impersonating it, or its operator may have replaced the signing key.',
    `Pinned:  ${check.pinned.join(', ')}`,
    `Offered: ${check.offered.length > 0 ? check.offered.join(', ') : '(none)'}`,
    'Receipts and blocks signed by the offered key will NOT verify, and it has not been pinned.',
    'If the operator confirms the new key through another channel, pin it with',
    `  aitbc keys trust KEY_ID --profile ${profile}`,
    `or accept what it offers with \`aitbc keys trust --from-coordinator --accept-changed-key --profile ${profile}\`,`,
    'and remove the old one with `aitbc keys untrust KEY_ID`.',
    rule,
  ].join('\n')
}
