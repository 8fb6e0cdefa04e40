// The API keys every request is checked against, read from the store once and kept until a key changes:
// this replica's own changes drop it before they answer, the store's api_keys_changed event (a change
// on any replica) and resync drop it too, so a revocation holds on every replica at once. A key that
// matches nothing makes one fresh read before it is refused: a key just created through another
// replica works here even if its event is still on its way (at most one such read per REREAD_MS, so a
// flood of wrong keys cannot turn into a flood of reads).
import type {AsyncStore} from '../store/async-store.js'
import {authenticate, knownKeys, type AuthResult, type KnownKey} from './api-keys.js'

const REREAD_MS = 250

export class KeyCache {
  private keys: Promise<readonly KnownKey[]> | undefined
  private lastReread = -Infinity

  constructor(private readonly store: Pick<AsyncStore, 'apiKeys'>) {}

  async authenticate(presented: string | undefined): Promise<AuthResult> {
    if (!presented) return authenticate(presented, [])
    const cached = this.keys
    const result = authenticate(presented, await this.read())
    if ('failure' in result && result.failure === 'invalid API key' && cached && performance.now() - this.lastReread >= REREAD_MS) {
      // Only when the answer came from an older read; a miss on a fresh read is final.
      if (this.keys === cached) {
        this.lastReread = performance.now()
        this.drop()
      }
      return authenticate(presented, await this.read())
    }
    return result
  }

  drop(): void {
    this.keys = undefined
  }

  private read(): Promise<readonly KnownKey[]> {
    const reading = (this.keys ??= this.store.apiKeys().then(knownKeys))
    // A failed read is not kept: the next request tries again.
    reading.catch(() => {
      if (this.keys === reading) this.keys = undefined
    })
    return reading
  }
}
