// API key management for admins. Names are principals: unique and never reused, even after a key is
// revoked, so history can never be attributed to a newcomer. The last active admin key cannot be
// revoked, so the coordinator cannot be locked out of its own administration.
import {apiKeyInfo, generateApiKey, hashApiKey} from '../auth/api-keys.js'
import type {Clock} from '../clock.js'
import {conflict, notFound} from '../domain-errors.js'
import type {ApiKeyRecord, Role} from '../store/records.js'
import type {Store} from '../store/store.js'

export type ApiKeyInfo = ReturnType<typeof apiKeyInfo>

export class KeyService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Told after a key is revoked, to end what the key has open (long polls, leases). */
    private readonly onRevoked: (name: string) => Promise<void> = async () => undefined,
  ) {}

  /** Oldest first. */
  list(page: {limit: number; offset: number}): ApiKeyInfo[] {
    return this.store.apiKeys().slice(page.offset, page.offset + page.limit).map(apiKeyInfo)
  }

  /** Returns the new secret with the key's info; the secret is not kept anywhere. */
  async create(role: Role, name: string): Promise<ApiKeyInfo & {api_key: string}> {
    if (this.store.getApiKey(name)) throw conflict(`a key named ${name} already exists (names are never reused)`)
    const apiKey = generateApiKey()
    const record: ApiKeyRecord = {name, role, key_hash: hashApiKey(apiKey), created_at: new Date(this.clock.now()).toISOString()}
    this.store.putApiKey(record)
    await this.store.commit()
    return {...apiKeyInfo(record), api_key: apiKey}
  }

  async revoke(name: string): Promise<ApiKeyInfo> {
    const key = this.store.getApiKey(name)
    if (!key) throw notFound(`no key named ${name}`)
    if (key.revoked_at) return apiKeyInfo(key)
    const activeAdmins = this.store.apiKeys().filter((k) => k.role === 'admin' && !k.revoked_at).length
    if (key.role === 'admin' && activeAdmins === 1) throw conflict('this is the last active admin key; create another admin key first')
    const revoked = {...key, revoked_at: new Date(this.clock.now()).toISOString()}
    this.store.putApiKey(revoked)
    await this.store.commit()
    await this.onRevoked(name)
    return apiKeyInfo(revoked)
  }
}
