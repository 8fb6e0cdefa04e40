// The user's configuration: named profiles holding a coordinator URL and API key (and, per profile,
// the keys the user trusts). Stored as JSON in config.json, mode 0600, in oclif's configDir
// (AITBC_CONFIG_DIR moves it). Commands that only read it (most: a URL and a key for a request, the
// pinned keys for a check) read the file themselves; those that change it open it with conf, which is
// imported only then (it brings ajv, semver and more: some 60 ms of `explorer stats`, measured).
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import type Conf from 'conf'

import {CliError, usageError} from './errors.js'

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

const CONFIG_NAME = 'config'
const DEFAULTS: ConfigDocument = {profiles: {}}

/** The part of conf's store the config uses, so a file read without conf answers the same. */
type Store = Pick<Conf<ConfigDocument>, 'path' | 'get' | 'set' | 'delete'>

/**
 * The config file's document as conf reads it (the defaults under what the file holds), or the defaults
 * when there is no file; a file that is not a JSON object is an error that names it.
 */
async function readDocument(file: string): Promise<ConfigDocument> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(DEFAULTS)
    throw error
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw brokenConfig(file, `is not valid JSON (${(error as Error).message})`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw brokenConfig(file, 'does not hold a JSON object')
  return {...structuredClone(DEFAULTS), ...(value as Partial<ConfigDocument>)}
}

function brokenConfig(file: string, problem: string): CliError {
  return new CliError(`The config file ${file} ${problem}.`, {code: 'bad_config', hint: 'Fix it, or move it away and run `aitbc login` to write a new one.'})
}

/** A store over a document read from the file: reads only (a command that writes opens it with conf). */
function readOnlyStore(file: string, document: ConfigDocument): Store {
  const refuse = (): never => {
    throw new Error('the config was opened for reading (CliConfig.read); open it with CliConfig.open to change it')
  }
  return {path: file, get: ((key: keyof ConfigDocument) => document[key]) as Store['get'], set: refuse, delete: refuse}
}

/** Settings a user may set with `aitbc config set`, by their command-line name. */
export const PROFILE_SETTINGS = {url: 'url', 'api-key': 'api_key'} as const
export type ProfileSetting = keyof typeof PROFILE_SETTINGS

export class CliConfig {
  private constructor(private readonly store: Store) {}

  /** The config to read and change (with conf); a file that is not a JSON object is refused first. */
  static async open(configDir: string): Promise<CliConfig> {
    await readDocument(configFile(configDir))
    const {default: ConfClass} = await import('conf')
    const store = new ConfClass<ConfigDocument>({
      cwd: configDir,
      configName: CONFIG_NAME,
      configFileMode: 0o600,
      accessPropertiesByDotNotation: false,
      defaults: structuredClone(DEFAULTS),
    })
    return new CliConfig(store)
  }

  /** The config as the file holds it now, for reading only: no conf, and no file written. */
  static async read(configDir: string): Promise<CliConfig> {
    const file = configFile(configDir)
    return new CliConfig(readOnlyStore(file, await readDocument(file)))
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

function configFile(configDir: string): string {
  return path.join(configDir, `${CONFIG_NAME}.json`)
}
