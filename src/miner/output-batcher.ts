// Sends a running job's output to the coordinator as it is generated, in a few requests rather than
// one per token: the first piece at once (the time to first token is what a follower notices), then
// at most one request per interval, carrying everything generated meanwhile (or sooner once that
// passes `maxBytes`); one request at a time. Streaming is a preview: when the coordinator refuses a
// piece (its stream memory is full, the lease moved on) or does not answer, the batcher stops and the
// job's result, delivered by `complete`, says everything.

export interface StreamSettings {
  /** At most one request per this many milliseconds. */
  intervalMs: number
  /** Send as soon as this many bytes wait, even within the interval. */
  maxBytes: number
}

export const DEFAULT_STREAM_SETTINGS: StreamSettings = {intervalMs: 250, maxBytes: 64 * 1024}

/** Sends `text`, which continues at byte `offset` of the job's output. */
export type SendOutput = (offset: number, text: string) => Promise<void>

export class OutputBatcher {
  private waiting = ''
  private sentBytes = 0
  private lastSend = -Infinity
  private inFlight?: Promise<void>
  private timer?: NodeJS.Timeout
  private stopped = false
  /** Requests made, for the miner's figures. */
  requests = 0

  constructor(
    private readonly send: SendOutput,
    private readonly settings: StreamSettings = DEFAULT_STREAM_SETTINGS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(text: string): void {
    if (this.stopped || !text) return
    this.waiting += text
    this.schedule()
  }

  /** The job is over: nothing more is sent (its result goes with `complete`); waits for a request under way. */
  async finish(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.inFlight
  }

  private schedule(): void {
    if (this.inFlight || this.timer || this.stopped || !this.waiting) return
    const due = this.lastSend + this.settings.intervalMs - this.now()
    if (due <= 0 || Buffer.byteLength(this.waiting) >= this.settings.maxBytes) return this.flush()
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.flush()
    }, due)
  }

  private flush(): void {
    const text = this.waiting
    this.waiting = ''
    this.lastSend = this.now()
    this.requests++
    const offset = this.sentBytes
    this.inFlight = this.send(offset, text).then(
      () => {
        this.sentBytes = offset + Buffer.byteLength(text)
        this.inFlight = undefined
        this.schedule()
      },
      () => {
        this.stopped = true
        this.inFlight = undefined
      },
    )
  }
}
