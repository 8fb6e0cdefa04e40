// Answers a client does not read must not pile up in the coordinator. Two bounds, on every answer:
// - memory: the bytes of large answers not yet handed to the operating system, over all connections,
//   stay under --answer-memory; a large answer past it is refused with 503 and Retry-After instead of
//   being queued (small ones, /health among them, always go out);
// - time: an answer not sent within --send-timeout seconds closes its connection, which frees it.
// Per connection, Node stops reading a connection's next requests while its answer is unsent, and no
// answer is larger than a page (--page-bytes, or a block's page of transactions). Operations that may
// answer large are refused before doing any work while the memory is full (operations.ts).
import type {Context, Next} from 'koa'

import {ApiError} from './api-error.js'
// Answers up to this size are not counted: they are what a busy coordinator must still send.
import {SMALL_ANSWER_BYTES} from './answer-turns.js'

export interface AnswerLimitsConfig {
  answerMemoryBytes: number
  sendTimeoutSeconds: number
}

export class AnswerMemory {
  private used = 0

  constructor(
    readonly limit: number,
    private readonly retryAfterSeconds: number,
  ) {}

  get bytes(): number {
    return this.used
  }

  /** Less than a large answer's worth (SMALL_ANSWER_BYTES) is free. */
  get full(): boolean {
    return this.used + SMALL_ANSWER_BYTES > this.limit
  }

  /** The 503 for a large answer that does not fit. */
  refusal(): ApiError {
    return new ApiError(
      503,
      'service_unavailable',
      `the coordinator is busy sending ${this.used} bytes of answers that clients have not read yet, its limit (--answer-memory ${this.limit}); try again shortly`,
      {'Retry-After': String(Math.ceil(this.retryAfterSeconds))},
    )
  }

  tryTake(bytes: number, always = false): boolean {
    if (!always && this.used + bytes > this.limit) return false
    this.used += bytes
    return true
  }

  give(bytes: number): void {
    this.used -= bytes
  }
}

export function answerLimits(config: AnswerLimitsConfig, memory: AnswerMemory) {
  return async function limitAnswers(ctx: Context, next: Next): Promise<void> {
    await next()
    // A stream of events written by its handler (streams/event-stream.ts) bounds itself as it writes.
    if (ctx.respond === false) return
    const size = bodyBytes(ctx.body)
    let held = 0
    if (size > SMALL_ANSWER_BYTES) {
      // A write's answer always goes out: what it did is done, and its client must learn of it.
      if (memory.tryTake(size, ctx.method !== 'GET' && ctx.method !== 'HEAD')) {
        held = size
      } else {
        const refusal = memory.refusal()
        ctx.status = refusal.status
        ctx.set(refusal.headers)
        ctx.type = 'application/json'
        ctx.body = JSON.stringify(refusal)
      }
    }
    const res = ctx.res
    const timer = setTimeout(() => res.destroy(), config.sendTimeoutSeconds * 1000).unref()
    // 'close' comes once: a tick after 'finish' (the last byte went to the operating system), or when
    // the connection ended first. One listener for both (`once` would add a wrapper per answer).
    res.on('close', () => {
      clearTimeout(timer)
      memory.give(held)
    })
  }
}

export function bodyBytes(body: unknown): number {
  if (typeof body === 'string') return Buffer.byteLength(body)
  if (Buffer.isBuffer(body)) return body.length
  return 0
}
