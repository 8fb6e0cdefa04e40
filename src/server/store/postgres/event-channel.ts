// Store events across replicas with LISTEN/NOTIFY: writers NOTIFY inside their transaction (delivered
// on commit, never for a rollback) and every replica, the writer's own included, LISTENs on a
// connection of its own. When that connection drops, events may be missed: it reconnects and tells
// subscribers to look again (`resync`).
import pg from 'pg'

import type {StoreEvent} from '../async-store.js'

export class EventChannel {
  private client: pg.Client | undefined
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private readonly listeners = new Set<(event: StoreEvent) => void>()

  private constructor(
    private readonly config: pg.ClientConfig,
    readonly channel: string,
    private readonly retryMs: number,
    private readonly log: (message: string) => void,
  ) {}

  /** Resolves once listening, so nothing committed after it is missed. */
  static async open(config: pg.ClientConfig, channel: string, retryMs: number, log: (message: string) => void): Promise<EventChannel> {
    const events = new EventChannel(config, channel, retryMs, log)
    await events.listen()
    return events
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    this.listeners.clear()
    const client = this.client
    this.client = undefined
    await client?.end().catch(() => undefined)
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(this.config)
    client.on('notification', (message) => {
      if (message.channel === this.channel && message.payload) this.emit(JSON.parse(message.payload) as StoreEvent)
    })
    client.on('error', () => this.lost(client))
    client.on('end', () => this.lost(client))
    try {
      await client.connect()
      await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`)
    } catch (error) {
      await client.end().catch(() => undefined)
      throw error
    }
    // Only now: until here, a failing connection is this method's to report, not `lost`'s.
    this.client = client
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.closed) return
    this.client = undefined
    this.log(`the store's event connection was lost; reconnecting every ${this.retryMs} ms`)
    this.reconnect()
  }

  private reconnect(): void {
    this.timer = setTimeout(async () => {
      if (this.closed) return
      try {
        await this.listen()
        this.emit({kind: 'resync'})
      } catch {
        this.reconnect()
      }
    }, this.retryMs).unref()
  }

  private emit(event: StoreEvent): void {
    for (const listener of this.listeners) listener(event)
  }
}
