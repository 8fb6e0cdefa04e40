// Answers a client does not read must not pile up in the coordinator. Two bounds, on every answer:
// - memory: the bytes of large answers not yet handed to the operating system, over all connections,
//   stay under --answer-memory; a large answer past it is refused with 503 and Retry-After instead of
//   being queued (small ones, /health among them, always go out);
// - time: an answer not sent within --send-timeout seconds closes its connection, which frees it.
// Per connection, Node stops reading a connection's next requests while its answer is unsent, and no
// answer is larger than a page (--page-bytes, or a block's page of transactions).
import type {Context, Next} from 'koa'

import {ApiError} from './api-error.js'

/** Answers up to this size are not counted: they are what a busy coordinator must still send. */
const SMALL_ANSWER_BYTES = 64 * 1024

export interface AnswerLimitsConfig {
  answerMemoryBytes: number
  sendTimeoutSeconds: number
}

export class AnswerMemory {
  private used = 0

  constructor(readonly limit: number) {}

  get bytes(): number {
    return this.used
  }

  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false
    this.used += bytes
    return true
  }

  give(bytes: number): void {
    this.used -= bytes
  }
}

export function answerLimits(config: AnswerLimitsConfig, memory = new AnswerMemory(config.answerMemoryBytes)) {
  return async function limitAnswers(ctx: Context, next: Next): Promise<void> {
    await next()
    const size = bodyBytes(ctx.body)
    let held = 0
    if (size > SMALL_ANSWER_BYTES) {
      if (memory.tryTake(size)) {
        held = size
      } else {
        const refusal = new ApiError(
          503,
          'service_unavailable',
          `the coordinator is busy sending ${memory.bytes} bytes of answers that clients have not read yet, its limit (--answer-memory ${memory.limit}); try again shortly`,
          {'Retry-After': String(Math.ceil(config.sendTimeoutSeconds))},
        )
        ctx.status = refusal.status
        ctx.set(refusal.headers)
        ctx.type = 'application/json'
        ctx.body = JSON.stringify(refusal)
      }
    }
    const res = ctx.res
    const timer = setTimeout(() => res.destroy(), config.sendTimeoutSeconds * 1000).unref()
    let done = false
    const sent = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      memory.give(held)
    }
    // 'finish': the last byte went to the operating system; 'close': the connection ended first.
    res.once('finish', sent)
    res.once('close', sent)
  }
}

function bodyBytes(body: unknown): number {
  if (typeof body === 'string') return Buffer.byteLength(body)
  if (Buffer.isBuffer(body)) return body.length
  return 0
}
