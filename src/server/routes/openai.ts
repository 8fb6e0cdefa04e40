// The OpenAI-compatible gateway: POST /v1/chat/completions (plain, or streamed in OpenAI's chunk
// format) and GET /v1/models. A chat request is an ordinary job of the client's (admission caps,
// billing, receipt); the answer names the job and its receipt so `aitbc receipts verify` can check it.
import type {Context} from 'koa'

import type {Clock} from '../clock.js'
import {chatMessages, renderChat} from '../gateway/chat-prompt.js'
import {openAiError} from '../gateway/openai-errors.js'
import {principalOf, type Operations, type Reply} from '../http/operations.js'
import type {JobService} from '../jobs/job-service.js'
import {estimateTokens} from '../jobs/token-count.js'
import type {JobParams, JobRecord} from '../store/records.js'
import type {AsyncStore} from '../store/async-store.js'
import {EventStream} from '../streams/event-stream.js'
import type {JobStreams} from '../streams/job-streams.js'
import {followOutput} from '../streams/output-follower.js'

export interface GatewaySettings {
  gatewayTimeoutSeconds: number
  sendTimeoutSeconds: number
  activeMinerSeconds: number
}


export function openAiRoutes(ops: Operations, jobs: JobService, streams: JobStreams, store: AsyncStore, clock: Clock, settings: GatewaySettings): void {
  ops.define('createChatCompletion', async (request) => {
    const chat = request.body
    const messages = chatMessages(chat.messages)
    const params: Partial<JobParams> = {}
    const maxTokens = chat.max_completion_tokens ?? chat.max_tokens
    if (maxTokens != null) params.max_tokens = maxTokens
    if (chat.temperature != null) params.temperature = chat.temperature
    if (chat.top_p != null) params.top_p = chat.top_p
    const principal = principalOf(request)
    const {job} = await jobs.submit(principal, {prompt: renderChat(messages), model: chat.model, params, messages})
    const waiting = new JobWait(request.ctx, settings.gatewayTimeoutSeconds)
    try {
      if (chat.stream) return await streamCompletion(request.ctx, streams, job, waiting, settings, chat.stream_options?.include_usage === true, store)
      return await plainCompletion(streams, job, waiting, store)
    } finally {
      waiting.clear()
      // Its client went away: a job no miner has taken yet is cancelled (one running goes on). If the
      // cancel cannot be written, the job stays queued, as it would have without it.
      if (waiting.clientGone) await jobs.cancelUnstarted(principal, job.job_id).catch(() => undefined)
    }
  })

  ops.define('listModels', async () => {
    const since = clock.now() - settings.activeMinerSeconds * 1000
    const models = new Map<string, number>()
    for (const miner of await store.listMiners({})) {
      if (Date.parse(miner.last_seen) < since) continue
      const created = Math.floor(Date.parse(miner.registered_at) / 1000)
      for (const model of miner.capabilities) models.set(model, Math.min(models.get(model) ?? created, created))
    }
    const data = [...models].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, created]) => ({id, object: 'model', created, owned_by: 'aitbc'}))
    return {body: {object: 'list', data}}
  })
}

/**
 * Stops waiting when the client goes away (its job is then cancelled unless a miner has taken it) or
 * --gateway-timeout passes (the job goes on).
 */
class JobWait {
  private readonly controller = new AbortController()
  private readonly timer: NodeJS.Timeout
  timedOut = false
  /** The connection closed before the whole answer was sent. */
  clientGone = false

  constructor(ctx: Context, readonly seconds: number) {
    this.timer = setTimeout(() => {
      this.timedOut = true
      this.controller.abort()
    }, seconds * 1000)
    const closed = () => {
      if (!ctx.res.writableFinished) this.clientGone = true
      this.controller.abort()
    }
    // The client may have gone while the job was submitted, before anyone listened for it.
    if (ctx.res.destroyed || !ctx.res.socket || ctx.res.socket.destroyed) closed()
    else ctx.res.once('close', closed)
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  timeoutMessage(job: JobRecord): string {
    return `job ${job.job_id} did not end within ${this.seconds} s (--gateway-timeout); it goes on: follow it with \`aitbc jobs watch ${job.job_id}\` or GET /v1/jobs/${job.job_id}`
  }

  clear(): void {
    clearTimeout(this.timer)
  }
}

async function plainCompletion(streams: JobStreams, job: JobRecord, waiting: JobWait, store: AsyncStore): Promise<Reply> {
  let final: JobRecord | undefined
  let closing = false
  for await (const event of followOutput(streams, job, waiting.signal)) {
    if (event.type === 'end') final = event.job
    if (event.type === 'closing') closing = true
  }
  const headers = {'X-Aitbc-Job-Id': job.job_id}
  if (!final) {
    if (closing) return {status: 503, headers: {...headers, 'Retry-After': '5'}, body: openAiError(503, shuttingDown(job), 'service_unavailable')}
    if (!waiting.timedOut) return {written: true} // the client went away; nobody to answer
    return {status: 504, headers, body: openAiError(504, waiting.timeoutMessage(job), 'timeout')}
  }
  if (final.status !== 'completed') return {status: 502, headers, body: openAiError(502, unsuccessful(final), `job_${final.status}`)}
  const answer = await completionParts(final, store)
  return {
    headers: {...headers, 'X-Aitbc-Receipt-Id': final.receipt_id ?? ''},
    body: {
      id: `chatcmpl-${final.job_id}`,
      object: 'chat.completion',
      created: createdOf(final),
      model: final.model,
      choices: [{index: 0, message: {role: 'assistant', content: final.result ?? ''}, finish_reason: answer.finishReason}],
      usage: answer.usage,
      aitbc: {job_id: final.job_id, receipt_id: final.receipt_id},
    },
  }
}

async function streamCompletion(
  ctx: Context,
  streams: JobStreams,
  job: JobRecord,
  waiting: JobWait,
  settings: GatewaySettings,
  includeUsage: boolean,
  store: AsyncStore,
): Promise<Reply> {
  const events = new EventStream(ctx.res, settings.sendTimeoutSeconds * 1000, {'X-Aitbc-Job-Id': job.job_id})
  const chunk = (delta: Record<string, unknown>, finishReason: string | null, extra: Record<string, unknown> = {}) => ({
    id: `chatcmpl-${job.job_id}`,
    object: 'chat.completion.chunk',
    created: createdOf(job),
    model: job.model,
    choices: [{index: 0, delta, finish_reason: finishReason}],
    ...extra,
  })
  try {
    if (!(await events.data(chunk({role: 'assistant', content: ''}, null)))) return {written: true}
    let sentText = false
    let final: JobRecord | undefined
    for await (const event of followOutput(streams, job, waiting.signal)) {
      if (event.type === 'text') {
        sentText = true
        if (!(await events.data(chunk({content: event.text}, null)))) return {written: true}
      } else if (event.type === 'reset' && sentText) {
        // An OpenAI stream cannot take text back: say so, rather than let the text diverge from the receipt.
        await events.data(openAiError(502, `${event.reason}; the text streamed so far is not the job's result, which is at GET /v1/jobs/${job.job_id}`, 'stream_reset'))
        return {written: true}
      } else if (event.type === 'closing') {
        await events.data(openAiError(503, shuttingDown(job), 'service_unavailable'))
        return {written: true}
      } else if (event.type === 'end') final = event.job
    }
    if (!final) {
      if (waiting.timedOut) await events.data(openAiError(504, waiting.timeoutMessage(job), 'timeout'))
      return {written: true}
    }
    if (final.status !== 'completed') {
      await events.data(openAiError(502, unsuccessful(final), `job_${final.status}`))
      return {written: true}
    }
    const answer = await completionParts(final, store)
    const ids = {aitbc: {job_id: final.job_id, receipt_id: final.receipt_id}}
    await events.data(chunk({}, answer.finishReason, ids))
    if (includeUsage) await events.data({...chunk({}, null, {usage: answer.usage, ...ids}), choices: []})
    await events.data('[DONE]')
    return {written: true}
  } finally {
    events.end()
  }
}

async function completionParts(job: JobRecord, store: AsyncStore) {
  const receipt = job.receipt_id ? await store.getReceipt(job.receipt_id) : undefined
  const completion = receipt?.units ?? estimateTokens(job.result ?? '')
  const prompt = estimateTokens(job.prompt)
  return {
    finishReason: completion >= job.params.max_tokens ? 'length' : 'stop',
    usage: {prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion},
  }
}

function shuttingDown(job: JobRecord): string {
  return `the coordinator is shutting down; job ${job.job_id} is kept and goes on when it is back (GET /v1/jobs/${job.job_id})`
}

function unsuccessful(job: JobRecord): string {
  return `job ${job.job_id} ${job.status}${job.error ? `: ${job.error}` : ''}`
}

function createdOf(job: JobRecord): number {
  return Math.floor(Date.parse(job.created_at) / 1000)
}
