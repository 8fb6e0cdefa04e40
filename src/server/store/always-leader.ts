// Leadership for a store with a single writer: the process holding it leads until it lets go.
import type {Leadership} from './async-store.js'

export class AlwaysLeader implements Leadership {
  private leading = true
  private readonly listeners = new Set<(isLeader: boolean) => void>()

  get isLeader(): boolean {
    return this.leading
  }

  onChange(listener: (isLeader: boolean) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async release(): Promise<void> {
    if (!this.leading) return
    this.leading = false
    for (const listener of this.listeners) listener(false)
  }
}
