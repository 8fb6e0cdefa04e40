// Group commit: every write that asks for durability while a flush is being prepared or running joins
// the next single flush, so N concurrent requests cost one disk write, not N.

export class GroupCommit {
  private next: Promise<void> | undefined
  private inFlight: Promise<void> = Promise.resolve()

  constructor(private readonly flush: () => Promise<void>) {}

  /** Resolves once everything queued before the call has been flushed. */
  request(): Promise<void> {
    if (this.next) return this.next
    const next = this.inFlight
      .catch(() => undefined)
      // One turn of the event loop lets requests that arrived together queue their writes first.
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        this.next = undefined
        return this.flush()
      })
    this.next = next
    this.inFlight = next
    return next
  }
}
