// Large answers are built in turn. Building one (a block's page of transactions read from disk, a page
// of jobs over big prompts, serialised and handed to the socket) holds the event loop for milliseconds;
// 400 such requests arriving together were all built at once and kept /health waiting for hundreds of
// milliseconds. Here at most --answer-builders are built at a time and the loop is let go between turns
// (setImmediate), so small requests are answered in between; the rest wait in a queue of at most
// --answer-queue, past which a large answer is refused with 503 and Retry-After before any of it is
// built. A request whose client left while it waited is not built at all. A turn whose answer came
// out small (a job without a long prompt, the usual GET /v1/jobs/{id}) held the loop no longer than
// any small request does: its turn passes on at once, so a crowd of small reads is not paced at one
// per turn of the loop.
import {ApiError} from './api-error.js'

/** An answer up to this size is built as fast as any small request: its turn passes on at once. */
export const SMALL_ANSWER_BYTES = 64 * 1024

/** The queue drains in milliseconds a turn: a second is long enough to find room again. */
const QUEUE_FULL_RETRY_AFTER_SECONDS = 1

export interface AnswerTurnsConfig {
  answerBuilders: number
  answerQueue: number
}

export class AnswerTurns {
  private building = 0
  /** Each resolves to hand its request a turn given up by another. */
  private readonly waiting: Array<() => void> = []

  constructor(private readonly config: AnswerTurnsConfig) {}

  /** Requests waiting for a turn. */
  get queued(): number {
    return this.waiting.length
  }

  /**
   * Runs `build` in its turn; nothing when `gone()` says its client left while it waited. Throws the 503
   * when the queue is full. `build` resolves to the bytes of the answer it built, when it knows them.
   */
  async run(build: () => Promise<number | void>, gone: () => boolean): Promise<void> {
    if (this.building < this.config.answerBuilders) {
      this.building++
    } else {
      if (this.waiting.length >= this.config.answerQueue) throw this.refusal()
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    }
    let bytes: number | void = undefined
    try {
      if (!gone()) bytes = await build()
    } finally {
      // After a large answer, only after this macrotask: the answer is handed to its socket first, and
      // requests already read get in.
      if (bytes !== undefined && bytes <= SMALL_ANSWER_BYTES) this.handOver()
      else setImmediate(() => this.handOver())
    }
  }

  private handOver(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.building--
  }

  private refusal(): ApiError {
    return new ApiError(
      503,
      'service_unavailable',
      `the coordinator has ${this.waiting.length} large answers waiting to be built, its limit (--answer-queue ${this.config.answerQueue}); try again shortly`,
      {'Retry-After': String(QUEUE_FULL_RETRY_AFTER_SECONDS)},
    )
  }
}
