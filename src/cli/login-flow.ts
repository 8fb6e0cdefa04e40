// `aitbc login`: choose a coordinator and key (asked on a terminal, flags in scripts), prove both work,
// save them in a profile, and pin the coordinator's signing keys on first use (see key-pinning.ts).
import {getHealth, listReceipts} from '../client/calls.js'
import {type ApiClient, DEFAULT_URL} from '../client/client.js'
import {ApiError} from '../client/errors.js'
import type {Connection} from './api-command.js'
import type {CliConfig} from './config.js'
import {CliError, usageError} from './errors.js'
import {ExitCode} from './exit-codes.js'
import type {IO} from './io.js'
import {comparePinnedKeys, fetchCoordinatorKeys, warnSigningKeyChanged} from './key-pinning.js'
import {normalizeSetting, storeSetting} from './profile-settings.js'
import {TrustStore} from './trust-store.js'

export interface LoginOptions {
  io: IO
  config: CliConfig
  profileName: string
  /** From --url / AITBC_URL, when given. */
  url?: string
  /** From --api-key / AITBC_API_KEY, when given. */
  apiKey?: string
  json: boolean
  /** The API client for the chosen URL and key. */
  connect(connection: Connection): Promise<ApiClient>
  note(text: string): void
}

export interface LoginResult {
  profile: string
  url: string
  coordinator_version: string
  /** Keys pinned by this login (trust on first use). */
  pinned_keys: string[]
  /** Every key the profile trusts now. */
  trusted_keys: string[]
  /** The profile commands use when none is named, after this login. */
  current_profile: string
}

export async function login(options: LoginOptions): Promise<LoginResult> {
  const {config, profileName} = options
  const {url, apiKey} = await chooseConnection(options)
  const client = await options.connect({url, apiKey})

  const health = await getHealth(client)
  try {
    await listReceipts(client, {limit: 1})
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      throw new CliError(`The coordinator at ${url} refused this API key (${error.detail}); nothing was saved.`, {
        exitCode: ExitCode.AUTH,
        code: error.errorCode,
        hint: 'Check the key with the operator, or create one with `aitbc admin keys create`.',
      })
    }
    throw error
  }

  const store = new TrustStore(config, profileName)
  const {keys, ignored} = await fetchCoordinatorKeys(client)
  for (const key of ignored) options.note(`Ignoring coordinator key ${key}: not a usable Ed25519 key.`)
  const check = comparePinnedKeys(store.list(), keys)
  if (check.status === 'changed') {
    warnSigningKeyChanged(options.io, url, check, profileName)
    throw new CliError(`Not logged in: the coordinator at ${url} offers none of the keys profile "${profileName}" trusts.`, {
      exitCode: ExitCode.VERIFICATION_FAILED,
      code: 'signing_key_changed',
      hint: 'To log in to a different coordinator, use another profile: `aitbc login --profile NAME`.',
    })
  }

  // As gh makes the first account it logs in to the active one: when the current profile does not
  // exist yet (a fresh configuration), the profile logged in to becomes current, so the next command uses it.
  if (config.profile(config.currentProfileName()) === undefined) config.setCurrentProfile(profileName)
  storeSetting(config, profileName, 'url', url)
  storeSetting(config, profileName, 'api-key', apiKey)
  let pinned: string[] = []
  if (check.status === 'first-use') {
    pinned = store.add(keys, url)
    for (const keyId of pinned) options.note(`Pinned the coordinator's signing key ${keyId} (trust on first use).`)
    if (keys.length === 0) options.note('The coordinator offers no signing key: nothing was pinned, so its receipts will not verify.')
  } else if (check.unpinned.length > 0) {
    options.note(`The coordinator also offers ${check.unpinned.join(', ')}, which this profile does not trust. If its operator confirms a new key, pin it with \`aitbc keys trust KEY_ID\`.`)
  }
  return {
    profile: profileName,
    url,
    coordinator_version: health.version,
    pinned_keys: pinned,
    trusted_keys: [...store.keyIds()],
    current_profile: config.currentProfileName(),
  }
}

/** URL and key from flags or environment, else asked on a terminal; without one, a usage error naming the flag. */
async function chooseConnection(options: LoginOptions): Promise<{url: string; apiKey: string}> {
  const {io} = options
  const interactive = io.canPrompt(options.json)
  const previous = options.config.profile(options.profileName)
  let url = options.url
  let apiKey = options.apiKey
  if (url === undefined && interactive) {
    url = await io.prompter.input('Coordinator URL:', {default: previous?.url ?? DEFAULT_URL, validate: validUrl})
  }
  if (apiKey === undefined) {
    if (!interactive) throw usageError('No API key given.', 'Pass --api-key or set AITBC_API_KEY (on a terminal, login asks for it).')
    apiKey = await io.prompter.password('API key:', {mask: true, validate: (value) => value.trim() !== '' || 'The API key cannot be empty.'})
  }
  return {url: normalizeSetting('url', url ?? previous?.url ?? DEFAULT_URL), apiKey: normalizeSetting('api-key', apiKey)}
}

function validUrl(value: string): true | string {
  try {
    normalizeSetting('url', value)
    return true
  } catch (error) {
    return (error as Error).message
  }
}
