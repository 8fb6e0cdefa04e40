// Small steps the server tests repeat: submit a job, register a miner, run a job to completion.
import assert from 'node:assert/strict'

import type {TestServer} from '../helpers/server.js'

export interface JobBody {
  job_id: string
  status: string
  model: string
  client: string
  attempts: number
  miner_id?: string
  error?: string
  result?: string
  receipt_id?: string
  params: {max_tokens: number; temperature: number; top_p: number}
  [field: string]: unknown
}

export interface ReceiptBody {
  receipt_id: string
  job_id: string
  provider: string
  client: string
  units: number
  price: number
  [field: string]: unknown
}

export async function submit(server: TestServer, body: Record<string, unknown> = {prompt: 'Say hello'}, key = server.clientKey): Promise<JobBody> {
  const res = await server.request<JobBody>('/v1/jobs', {key, method: 'POST', body})
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body
}

export async function register(server: TestServer, minerId = 'miner-1', capabilities = ['llama3.2'], key = server.minerKey): Promise<void> {
  const res = await server.request('/v1/miners/register', {key, method: 'POST', body: {miner_id: minerId, capabilities}})
  assert.equal(res.status, 201, JSON.stringify(res.body))
}

export async function claim(server: TestServer, jobId: string, minerId = 'miner-1', key = server.minerKey): Promise<JobBody> {
  const res = await server.request<JobBody>(`/v1/jobs/${jobId}/claim`, {key, method: 'POST', body: {miner_id: minerId}})
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

export async function complete(server: TestServer, jobId: string, result = 'Hello there', minerId = 'miner-1', extra = {}): Promise<ReceiptBody> {
  const res = await server.request<ReceiptBody>(`/v1/jobs/${jobId}/complete`, {
    key: server.minerKey,
    method: 'POST',
    body: {miner_id: minerId, result, ...extra},
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

/** Submit, claim and complete one job; returns the job id and its receipt. */
export async function runJob(server: TestServer, prompt = 'Say hello', minerId = 'miner-1'): Promise<{jobId: string; receipt: ReceiptBody}> {
  const job = await submit(server, {prompt})
  await claim(server, job.job_id, minerId)
  return {jobId: job.job_id, receipt: await complete(server, job.job_id, 'Hello there', minerId)}
}

export function assertError(res: {status: number; body: unknown}, status: number, errorCode: string, detail?: RegExp): void {
  assert.equal(res.status, status, JSON.stringify(res.body))
  const body = res.body as {detail?: unknown; error_code?: unknown}
  assert.equal(body.error_code, errorCode, JSON.stringify(body))
  assert.equal(typeof body.detail, 'string')
  if (detail) assert.match(body.detail as string, detail)
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` until it returns a value, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}
