// The real coordinator for the client-command tests (test/helpers/server.ts), with the miner and client
// steps the tests need done straight over HTTP, so only the command under test runs as a subprocess.
import assert from 'node:assert/strict'

import type {Job, Receipt} from '../../src/client/client.js'
import {startTestServer, type TestServer, type TestServerOptions} from '../helpers/server.js'

export type {TestServer}

export const MODEL = 'llama3.2'

/**
 * Polls `probe` until it gives a value; fails after `timeoutMs` naming what it waited for. The default
 * is a bound, not a timing: a command run in-process took over 15 s to submit on a 2-core machine
 * running two suites.
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

export class Coordinator {
  private constructor(readonly server: TestServer) {}

  static async start(options: TestServerOptions = {}): Promise<Coordinator> {
    return new Coordinator(await startTestServer(options))
  }

  close(): Promise<void> {
    return this.server.close()
  }

  /** Environment for a CLI run against this coordinator with one of its keys. */
  env(role: 'admin' | 'client' | 'miner' | 'none' = 'client'): Record<string, string> {
    const keys = {admin: this.server.adminKey, client: this.server.clientKey, miner: this.server.minerKey, none: undefined}
    const key = keys[role]
    return {AITBC_URL: this.server.url, ...(key ? {AITBC_API_KEY: key} : {})}
  }

  private async call<T>(pathname: string, key: string, body?: unknown, method?: string): Promise<T> {
    const response = await this.server.request<T>(pathname, {key, body, method})
    assert.ok(response.status < 300, `${method ?? (body ? 'POST' : 'GET')} ${pathname}: ${response.status} ${JSON.stringify(response.body)}`)
    return response.body
  }

  submit(prompt = 'Say hi', extra: Record<string, unknown> = {}): Promise<Job> {
    return this.call('/v1/jobs', this.server.clientKey, {prompt, ...extra})
  }

  job(jobId: string): Promise<Job> {
    return this.call(`/v1/jobs/${jobId}`, this.server.adminKey)
  }

  register(minerId: string, models = [MODEL]): Promise<unknown> {
    return this.call('/v1/miners/register', this.server.minerKey, {miner_id: minerId, capabilities: models})
  }

  claim(jobId: string, minerId: string): Promise<Job> {
    return this.call(`/v1/jobs/${jobId}/claim`, this.server.minerKey, {miner_id: minerId})
  }

  complete(jobId: string, minerId: string, result: string): Promise<Receipt> {
    return this.call(`/v1/jobs/${jobId}/complete`, this.server.minerKey, {miner_id: minerId, result})
  }

  fail(jobId: string, minerId: string, error: string): Promise<Job> {
    return this.call(`/v1/jobs/${jobId}/fail`, this.server.minerKey, {miner_id: minerId, error})
  }

  cancel(jobId: string): Promise<Job> {
    return this.call(`/v1/jobs/${jobId}/cancel`, this.server.clientKey, undefined, 'POST')
  }

  /** A job taken through claim and complete by `minerId` (registered here). */
  async completedJob(prompt: string, result: string, minerId = 'test-miner'): Promise<{job: Job; receipt: Receipt}> {
    await this.register(minerId)
    const job = await this.submit(prompt)
    await this.claim(job.job_id, minerId)
    return {job, receipt: await this.complete(job.job_id, minerId, result)}
  }
}
