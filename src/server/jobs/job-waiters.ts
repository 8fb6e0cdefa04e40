// Long polls for /v1/jobs/available: a miner waits until a job for one of its models becomes pending
// (submitted or requeued), its wait runs out, its connection closes, its key is revoked, or the
// coordinator shuts down. Waiting costs a timer and a set entry; nothing polls.

interface Waiter {
  models: ReadonlySet<string>
  principal: string
  wake: () => void
}

export class JobWaiters {
  private readonly waiters = new Set<Waiter>()
  /** When each principal was last woken for a new job (a counter, not a time): who is next in turn. */
  private readonly lastWoken = new Map<string, number>()
  private wakes = 0
  private closed = false

  /** Resolves when woken, after `ms`, when `signal` aborts, or at shutdown. Callers then look again. */
  wait(models: ReadonlySet<string>, ms: number, signal?: AbortSignal, principal = ''): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const waiter: Waiter = {models, principal, wake: () => done()}
      const timer = setTimeout(() => done(), ms)
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        this.waiters.delete(waiter)
        resolve()
      }
      signal?.addEventListener('abort', done, {once: true})
      this.waiters.add(waiter)
    })
  }

  /**
   * A job for `model` became pending: one waiting miner is woken. One job needs one miner; waking every
   * waiting miner made all of them race to claim it, and all but one were refused (a herd of requests
   * per job). Principals take turns: the one woken least recently goes first (among those never woken,
   * the one with the fewest polls waiting), then its longest-waiting miner, so a principal holding many
   * polls cannot take every new job's offer.
   */
  notify(model: string): void {
    const candidates = new Map<string, {first: Waiter; count: number}>()
    for (const waiter of this.waiters) {
      if (!waiter.models.has(model)) continue
      const entry = candidates.get(waiter.principal)
      if (entry) entry.count++
      else candidates.set(waiter.principal, {first: waiter, count: 1})
    }
    let chosen: {principal: string; first: Waiter; turn: number; count: number} | undefined
    for (const [principal, {first, count}] of candidates) {
      const turn = this.lastWoken.get(principal) ?? -1
      if (!chosen || turn < chosen.turn || (turn === chosen.turn && count < chosen.count)) chosen = {principal, first, turn, count}
    }
    if (!chosen) return
    this.lastWoken.set(chosen.principal, this.wakes++)
    chosen.first.wake()
  }

  /** Every miner waiting for `model` looks again: an offer lapsed and the job is open to all. */
  notifyAll(model: string): void {
    for (const waiter of [...this.waiters]) if (waiter.models.has(model)) waiter.wake()
  }

  /** The principal's key was revoked: its waiting polls look again (and are refused). */
  wakePrincipal(principal: string): void {
    for (const waiter of [...this.waiters]) if (waiter.principal === principal) waiter.wake()
  }

  /** Every waiting miner looks again (events may have been missed, or a key changed). */
  wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter.wake()
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Shutdown: answer every waiting miner now, and stop waiting from here on. */
  close(): void {
    this.closed = true
    for (const waiter of [...this.waiters]) waiter.wake()
  }
}
