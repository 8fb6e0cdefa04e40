// Reading and writing the settings of a profile (`aitbc config ...`). API keys never leave this module
// in clear: they are shown as set or not, masked.
import {type CliConfig, type Profile, PROFILE_SETTINGS, type ProfileSetting} from './config.js'
import {usageError} from './errors.js'

export const SETTING_NAMES = Object.keys(PROFILE_SETTINGS) as ProfileSetting[]
const SECRET_SETTINGS: ReadonlySet<ProfileSetting> = new Set(['api-key'])
export const MASK = '********'

export interface SettingView {
  profile: string
  key: ProfileSetting
  set: boolean
  /** The value, masked for secrets; null when not set. */
  value: string | null
}

export function isSecret(key: ProfileSetting): boolean {
  return SECRET_SETTINGS.has(key)
}

export function viewSetting(profileName: string, profile: Profile | undefined, key: ProfileSetting): SettingView {
  const stored = profile?.[PROFILE_SETTINGS[key]]
  const set = typeof stored === 'string' && stored !== ''
  return {profile: profileName, key, set, value: set ? (isSecret(key) ? MASK : stored) : null}
}

/** Checks a value before it is stored; returns it as stored. */
export function normalizeSetting(key: ProfileSetting, raw: string): string {
  const value = raw.trim()
  if (value === '') throw usageError(`The value for ${key} is empty.`)
  if (key === 'url') return coordinatorUrl(value)
  return value
}

/**
 * A coordinator URL as aitbc uses it, from wherever it came (flag, environment, profile): http or
 * https with a host, without trailing slashes; anything else is a usage error saying what is wrong.
 */
export function coordinatorUrl(raw: string): string {
  const value = raw.trim()
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw usageError(`Not a URL: ${value}`, 'Give the coordinator\'s address with its scheme, e.g. http://127.0.0.1:8001.')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`The URL must start with http:// or https://, not ${url.protocol}//.`, 'Give the coordinator\'s address with its scheme, e.g. http://127.0.0.1:8001.')
  }
  return value.replace(/\/+$/, '')
}

export function storeSetting(config: CliConfig, profileName: string, key: ProfileSetting, value: string | undefined): void {
  config.updateProfile(profileName, (profile) => {
    if (value === undefined) delete profile[PROFILE_SETTINGS[key]]
    else profile[PROFILE_SETTINGS[key]] = value
  })
}
