// Leadership by a session advisory lock on a connection of its own. PostgreSQL frees the lock when
// that connection ends, so when the leading coordinator dies (or its connection does) another
// contender takes the lead at its next try, within `retryMs`. While it leads, the lock's holder is
// this connection's backend: sealing checks it in its own transaction (fencing), so a leader that
// lost its connection cannot seal even if it has not noticed yet.
import pg from 'pg'

import type {Leadership} from '../async-store.js'

export class AdvisoryLeadership implements Leadership {
  private client: pg.Client | undefined
  private leaderPid: number | undefined
  private timer: NodeJS.Timeout | undefined
  private released = false
  private readonly listeners = new Set<(isLeader: boolean) => void>()

  constructor(
    private readonly config: pg.ClientConfig,
    readonly key: readonly [number, number],
    private readonly retryMs: number,
    private readonly log: (message: string) => void,
  ) {
    void this.attempt()
  }

  get isLeader(): boolean {
    return this.leaderPid !== undefined
  }

  /** The backend process holding the lock while this contender leads. */
  get pid(): number | undefined {
    return this.leaderPid
  }

  onChange(listener: (isLeader: boolean) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async release(): Promise<void> {
    this.released = true
    clearTimeout(this.timer)
    const client = this.client
    this.client = undefined
    this.setLeader(undefined)
    // Ending the session frees the lock; no unlock round trip needed.
    await client?.end().catch(() => undefined)
  }

  private async attempt(): Promise<void> {
    if (this.released) return
    try {
      const client = this.client ?? (await this.connect())
      const {rows} = await client.query<{locked: boolean}>('SELECT pg_try_advisory_lock($1, $2) AS locked', [...this.key])
      // Released while connecting or asking: the connection (and any lock it just took) goes now, or
      // it would hold the lock, and keep the process alive, after the release.
      if (this.released) return this.dropClient()
      if (rows[0].locked) return this.setLeader((client as unknown as {processID: number}).processID)
    } catch (error) {
      this.log(`block sealing leadership: ${(error as Error).message}; trying again in ${this.retryMs} ms`)
      this.dropClient()
    }
    this.schedule()
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client(this.config)
    client.on('error', () => this.lost(client))
    client.on('end', () => this.lost(client))
    try {
      await client.connect()
    } catch (error) {
      await client.end().catch(() => undefined)
      throw error
    }
    this.client = client
    return client
  }

  /** The connection ended: any lock it held is gone with it. */
  private lost(client: pg.Client): void {
    if (this.client !== client) return
    this.client = undefined
    this.setLeader(undefined)
    if (!this.released) this.schedule()
  }

  private dropClient(): void {
    const client = this.client
    this.client = undefined
    client?.end().catch(() => undefined)
  }

  private schedule(): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.attempt(), this.retryMs).unref()
  }

  private setLeader(pid: number | undefined): void {
    const was = this.isLeader
    this.leaderPid = pid
    if (was !== this.isLeader) for (const listener of this.listeners) listener(this.isLeader)
  }
}
