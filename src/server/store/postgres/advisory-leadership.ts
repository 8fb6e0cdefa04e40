// Leadership by a session advisory lock on a connection of its own. PostgreSQL frees the lock when
// that connection ends, so when the leading coordinator dies (or its connection does) another
// contender takes the lead at its next try, within `retryMs`. A leader that is alive but silent (its
// process stopped or starved, its host cut off) would keep the lock forever: taking the lock also sets
// the session's `idle_session_timeout` to `leaseMs`, and the leader pings more often than that, so
// PostgreSQL itself ends a leader it has not heard from for a lease. While it leads, the lock's holder
// is this connection's backend: sealing checks it in its own transaction (fencing), so a leader that
// lost its connection cannot seal even if it has not noticed yet.
import pg from 'pg'

import type {Leadership} from '../async-store.js'

export class AdvisoryLeadership implements Leadership {
  private client: pg.Client | undefined
  private leaderPid: number | undefined
  private timer: NodeJS.Timeout | undefined
  private heartbeat: NodeJS.Timeout | undefined
  private released = false
  private readonly listeners = new Set<(isLeader: boolean) => void>()

  constructor(
    private readonly config: pg.ClientConfig,
    readonly key: readonly [number, number],
    private readonly retryMs: number,
    private readonly log: (message: string) => void,
    /** How long PostgreSQL waits to hear from the leading connection before it ends it (and frees the lock). */
    readonly leaseMs: number,
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
    clearTimeout(this.heartbeat)
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
      // The lease is set in the statement that takes the lock: there is no moment of leading without one.
      // PostgreSQL before 14 has no idle_session_timeout: there the lead is held until the connection ends.
      const {rows} = await client.query<{locked: boolean; leased: boolean}>(
        `SELECT locked, leased, CASE WHEN locked AND leased THEN set_config('idle_session_timeout', $3, false) END
         FROM (SELECT pg_try_advisory_lock($1, $2) AS locked, current_setting('server_version_num')::int >= 140000 AS leased) AS try`,
        [...this.key, String(Math.ceil(this.leaseMs))],
      )
      // Released while connecting or asking: the connection (and any lock it just took) goes now, or
      // it would hold the lock, and keep the process alive, after the release.
      if (this.released) return this.dropClient()
      if (rows[0].locked && !rows[0].leased) {
        this.log('block sealing leadership: this PostgreSQL (before 14) cannot end a silent session, so a stopped sealer is replaced only when its connection ends')
      }
      if (rows[0].locked) return this.lead(client)
    } catch (error) {
      this.log(`block sealing leadership: ${(error as Error).message}; trying again in ${this.retryMs} ms`)
      this.dropClient()
    }
    this.schedule()
  }

  private lead(client: pg.Client): void {
    this.setLeader((client as unknown as {processID: number}).processID)
    // A ping a quarter lease apart keeps the session alive; one that fails ends the connection (lost).
    // Unanswered for a lease, the lock may be someone else's: this contender stops leading then.
    const ping = () => {
      if (this.client !== client) return
      const giveUp = (why: string) => {
        clearTimeout(deadline)
        if (this.client !== client) return
        this.log(`block sealing leadership lost: ${why}`)
        this.lost(client)
        this.dropClient(client)
      }
      const deadline = setTimeout(() => giveUp(`no answer from the database within the ${this.leaseMs} ms lease`), this.leaseMs).unref()
      client.query('SELECT 1').then(
        () => {
          clearTimeout(deadline)
          if (this.client === client) this.heartbeat = setTimeout(ping, this.leaseMs / 4).unref()
        },
        (error: Error) => giveUp(error.message),
      )
    }
    this.heartbeat = setTimeout(ping, this.leaseMs / 4).unref()
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
    clearTimeout(this.heartbeat)
    this.setLeader(undefined)
    if (!this.released) this.schedule()
  }

  private dropClient(client = this.client): void {
    if (this.client === client) this.client = undefined
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
