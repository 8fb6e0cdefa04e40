// API key management for admins. Names are principals: unique and never reused, even after a key is
// revoked, so history can never be attributed to a newcomer. The last active admin key cannot be
// revoked, so the coordinator cannot be locked out of its own administration.
import {apiKeyInfo, generateApiKey, hashApiKey} from '../auth/api-keys.js'
import type {Clock} from '../clock.js'
import {conflict, notFound} from '../domain-errors.js'
import type {AsyncStore} from '../store/async-store.js'
import type {ApiKeyRecord, Role} from '../store/records.js'

export type ApiKeyInfo = ReturnType<typeof apiKeyInfo>

export class KeyService {
  constructor(
    private readonly store: AsyncStore,
    private readonly clock: Clock,
    /** Told after a key is revoked, to end what the key has open (long polls, leases). */
    private readonly onRevoked: (name: string) => Promise<void> = async () => undefined,
    /** Told after any key change on this replica, before the answer (other replicas hear the store's event). */
    private readonly onChanged: () => void = () => undefined,
  ) {}

  /** Oldest first. */
  async list(page: {limit: number; offset: number}): Promise<ApiKeyInfo[]> {
    return (await this.store.apiKeys()).slice(page.offset, page.offset + page.limit).map(apiKeyInfo)
  }

  /** Returns the new secret with the key's info; the secret is not kept anywhere. */
  async create(role: Role, name: string): Promise<ApiKeyInfo & {api_key: string}> {
    const apiKey = generateApiKey()
    const record: ApiKeyRecord = {name, role, key_hash: hashApiKey(apiKey), created_at: new Date(this.clock.now()).toISOString()}
    // Checked inside the change: every key change on every replica is serialised with it.
    await this.store.changeApiKeys((keys) => {
      if (keys.some((key) => key.name === name)) throw conflict(`a key named ${name} already exists (names are never reused)`)
      return [record]
    })
    this.onChanged()
    return {...apiKeyInfo(record), api_key: apiKey}
  }

  async revoke(name: string): Promise<ApiKeyInfo> {
    let info: ApiKeyInfo | undefined
    const [revoked] = await this.store.changeApiKeys((keys) => {
      const key = keys.find((k) => k.name === name)
      if (!key) throw notFound(`no key named ${name}`)
      if (key.revoked_at) {
        info = apiKeyInfo(key)
        return []
      }
      const activeAdmins = keys.filter((k) => k.role === 'admin' && !k.revoked_at).length
      if (key.role === 'admin' && activeAdmins === 1) throw conflict('this is the last active admin key; create another admin key first')
      return [{...key, revoked_at: new Date(this.clock.now()).toISOString()}]
    })
    if (!revoked) return info!
    this.onChanged()
    await this.onRevoked(name)
    return apiKeyInfo(revoked)
  }
}
