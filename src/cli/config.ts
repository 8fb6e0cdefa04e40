// The user's configuration: named profiles holding a coordinator URL and API key (and, per profile,
// the keys the user trusts). Stored with conf as JSON, mode 0600, in oclif's configDir
// (AITBC_CONFIG_DIR moves it). conf is imported lazily: most commands never open the config.
import type Conf from 'conf'

import {usageError} from './errors.js'

export const DEFAULT_PROFILE = 'default'

/** Starting with a letter or digit also keeps out `__proto__`, which an object cannot hold as a key. */
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

/** A profile name as given (--profile, AITBC_PROFILE, `config use`), or a usage error: letters, digits, "-", "_". */
export function checkProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    throw usageError(`Invalid profile name ${JSON.stringify(name)}.`, 'A profile name has 1 to 64 letters, digits, "-" or "_", and starts with a letter or digit.')
  }
  return name
}

/** A trusted receipt/block signing key, pinned by the user. */
export interface TrustedKey {
  key_id: string
  added_at: string
  /** Where it came from, e.g. the coordinator URL it was fetched from, or "manual". */
  source: string
}

export interface Profile {
  url?: string
  api_key?: string
  trusted_keys?: TrustedKey[]
}

interface ConfigDocument {
  current_profile?: string
  profiles: Record<string, Profile>
}

/** Settings a user may set with `aitbc config set`, by their command-line name. */
export const PROFILE_SETTINGS = {url: 'url', 'api-key': 'api_key'} as const
export type ProfileSetting = keyof typeof PROFILE_SETTINGS

export class CliConfig {
  private constructor(private readonly store: Conf<ConfigDocument>) {}

  static async open(configDir: string): Promise<CliConfig> {
    const {default: ConfClass} = await import('conf')
    const store = new ConfClass<ConfigDocument>({
      cwd: configDir,
      configName: 'config',
      configFileMode: 0o600,
      accessPropertiesByDotNotation: false,
      defaults: {profiles: {}},
    })
    return new CliConfig(store)
  }

  get path(): string {
    return this.store.path
  }

  /** The profile commands use when none is named: the one `config use` chose, else "default". */
  currentProfileName(): string {
    return this.store.get('current_profile') ?? DEFAULT_PROFILE
  }

  setCurrentProfile(name: string): void {
    this.store.set('current_profile', name)
  }

  profileNames(): string[] {
    return Object.keys(this.store.get('profiles'))
  }

  profile(name: string): Profile | undefined {
    const profiles = this.store.get('profiles')
    return Object.hasOwn(profiles, name) ? profiles[name] : undefined
  }

  /** Applies a change to one profile (creating it) and writes the file once. */
  updateProfile(name: string, change: (profile: Profile) => void): Profile {
    const profiles = {...this.store.get('profiles')}
    const profile = {...profiles[name]}
    change(profile)
    profiles[name] = profile
    this.store.set('profiles', profiles)
    return profile
  }

  removeProfile(name: string): boolean {
    const profiles = {...this.store.get('profiles')}
    if (!(name in profiles)) return false
    delete profiles[name]
    this.store.set('profiles', profiles)
    if (this.store.get('current_profile') === name) this.store.delete('current_profile')
    return true
  }
}
