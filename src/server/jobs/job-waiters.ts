// Long polls for /v1/jobs/available: a miner waits until a job for one of its models becomes pending
// (submitted or requeued), its wait runs out, its connection closes, or the coordinator shuts down.
// Waiting costs a timer and a set entry; nothing polls.

interface Waiter {
  models: ReadonlySet<string>
  wake: () => void
}

export class JobWaiters {
  private readonly waiters = new Set<Waiter>()
  private closed = false

  /** Resolves when woken, after `ms`, when `signal` aborts, or at shutdown. Callers then look again. */
  wait(models: ReadonlySet<string>, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const waiter: Waiter = {models, wake: () => done()}
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
   * A job for `model` became pending: the miner that has waited longest for that model is woken. One
   * job needs one miner; waking every waiting miner made all of them race to claim it, and all but one
   * were refused (a herd of requests per job).
   */
  notify(model: string): void {
    for (const waiter of this.waiters) {
      if (waiter.models.has(model)) return waiter.wake()
    }
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
