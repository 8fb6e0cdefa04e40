// Coordinators on a test PostgreSQL database, as operators run them: `aitbc serve --database URL
// --key-file FILE` processes (the built CLI), each on port 0, on a database made as `aitbc serve init
// --database` makes it (in this process: serve-database.test.ts runs that command itself). Every process
// started here is killed (its group) by stopAll(), which the tests call in `after`.
import {mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {initCoordinatorDatabase} from '../../../src/server/store/postgres/coordinator-database.js'
import {runCli, type CliResult} from '../../helpers/cli.js'
import {runCommand, type RunResult} from '../../helpers/run-command.js'
import {requestJson, type RequestOptions, type TestResponse} from '../../helpers/server.js'
import {startServe, type ServeProcess} from '../serve-process.js'

export interface DatabaseKeys {
  admin_key: string
  client_key: string
  miner_key: string
  key_id: string
}

export interface Replica {
  name: string
  url: string
  process: ServeProcess & {url: string}
  request<T = unknown>(pathname: string, options?: RequestOptions): Promise<TestResponse<T>>
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix))
}

/** What `aitbc serve init --database URL --key-file FILE` does, in this process: the keys it made. */
export async function initDatabase(url: string, keyFile: string): Promise<DatabaseKeys> {
  return initCoordinatorDatabase({connectionString: url}, keyFile)
}

/** `aitbc explorer verify --url URL --key KEY_ID`, in this process: a client of the coordinator, not the point. */
export function explorerVerify(url: string, keyId: string): Promise<RunResult> {
  return runCommand(['explorer', 'verify', '--url', url, '--key', keyId])
}

/** The height of the block that sealed the latest transaction, once it is `job_id`'s (polled: the sealer runs on its own interval). */
export async function sealedHeight(url: string, jobId: string, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const [latest] = (await requestJson<{block_height: number | null; data: {job_id?: string}}[]>(url, '/explorer/transactions?limit=1')).body
    if (latest?.data.job_id === jobId && latest.block_height !== null) return latest.block_height
    if (Date.now() > deadline) throw new Error(`job ${jobId} was not sealed within ${timeoutMs / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export function cli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return runCli(args, {timeoutMs})
}

export class Replicas {
  readonly running: Replica[] = []

  constructor(
    private readonly databaseUrl: string,
    private readonly keyFile: string,
  ) {}

  /** Starts one `aitbc serve --database` process; `extra` flags after the required ones; `url` may add connection parameters. */
  async start(name: string, extra: string[] = [], url: (databaseUrl: string) => string = (same) => same): Promise<Replica> {
    const args = ['--database', url(this.databaseUrl), '--key-file', this.keyFile, '--port', '0', '--block-interval', '0.5', '--leader-retry', '0.2', ...extra]
    const process = await startServe(args, 60_000)
    const replica: Replica = {name, url: process.url, process, request: (pathname, options) => requestJson(process.url, pathname, options)}
    this.running.push(replica)
    return replica
  }

  /** SIGKILL: the replica dies with its connections (and its block-sealing lock, if it led). */
  async kill(replica: Replica): Promise<void> {
    replica.process.signal('SIGKILL')
    await replica.process.exited
    this.running.splice(this.running.indexOf(replica), 1)
  }

  /** SIGTERM, and its exit code (0 for a clean stop). */
  async stop(replica: Replica): Promise<number | null> {
    replica.process.signal('SIGTERM')
    const code = await replica.process.exited
    this.running.splice(this.running.indexOf(replica), 1)
    return code
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((replica) => this.kill(replica)))
  }
}
