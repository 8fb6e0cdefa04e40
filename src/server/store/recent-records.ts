// The records most recently written to one history file, by where their line starts. A job is read back
// moments after each write (claimed after its submit, completed after its claim, read by its client
// after its completion): kept here, those reads skip the read from the page cache, the JSON parse and the
// record check. Bounded by count and by bytes, so large prompts never make it hold much.
export class RecentRecords<T> {
  private readonly records = new Map<number, {record: T; bytes: number}>()
  private bytes = 0

  constructor(
    private readonly maxRecords: number,
    private readonly maxBytes: number,
  ) {}

  /** `record` is on disk at `offset` in a line of `bytes`; the oldest go once past either bound. */
  add(offset: number, bytes: number, record: T): void {
    if (bytes > this.maxBytes) return
    this.records.set(offset, {record, bytes})
    this.bytes += bytes
    for (const [oldest, entry] of this.records) {
      if (this.records.size <= this.maxRecords && this.bytes <= this.maxBytes) break
      this.records.delete(oldest)
      this.bytes -= entry.bytes
    }
  }

  get(offset: number): T | undefined {
    return this.records.get(offset)?.record
  }
}
