// Cold start: how long `aitbc` takes to do small things, from spawn to exit, against `node -e 0` in the
// same run, with the floor of the stack alongside: one bare @oclif/core command with a manifest
// (bench/bare-oclif). Each round runs every command once in turn, so all of them see the same machine
// load. Two commands talk to a coordinator (started here, not timed), so their rows include the client:
// its transport and the check of the answer against the contract; and for them the time from the last
// byte of output to the exit is a figure of its own (a process that lingers after printing keeps a
// script waiting).
import path from 'node:path'

import {packageFile} from '../src/server/package-root.js'
import {timeCommand} from './lib/processes.js'
import {AITBC_BIN, createDataDir, startCoordinator} from './lib/servers.js'
import {median} from './lib/stats.js'
import {row, type Row} from './lib/table.js'
import {oneReceiptFile} from './verify-receipts.js'

/** `aitbc --version` and `aitbc --help`: below the bare oclif floor, which a bundle makes possible. */
export const HELP_TARGET = 2.2
/** A command that reads a file and checks a signature. */
export const COLD_START_TARGET = 2.6
/** A command that makes one request to a coordinator on loopback and checks the answer. */
export const NETWORK_TARGET = 3
/** The longest a network command may stay after its last byte of output. */
export const EXIT_LAG_TARGET_MS = 50

// An oclif root (package.json, manifest) of its own, found from the package root: the suite runs a
// compiled copy of this file, without the directory beside it.
const BARE_OCLIF = packageFile('bench/bare-oclif/run.js')

interface Case {
  name: string
  args: string[]
  target: number
  /** Talks to the network: its exit lag is part of the row. */
  network?: boolean
}

/**
 * `workDir` holds the one receipt the verify case reads and the data directory of the coordinator;
 * `warm`: one untimed round first.
 */
export async function coldStart(runs: number, workDir: string, warm = true): Promise<Row[]> {
  const receipt = await oneReceiptFile(workDir)
  const data = await createDataDir(path.join(workDir, 'cold-start-coordinator'), 0)
  const coordinator = await startCoordinator(data)
  try {
    const jobId = await submitJob(coordinator.url, data.keys.client_key)
    const client = ['--url', coordinator.url, '--api-key', data.keys.client_key]
    return await timeCases(runs, warm, [
      {name: 'aitbc --version', args: ['--version'], target: HELP_TARGET},
      {name: 'aitbc --help', args: ['--help'], target: HELP_TARGET},
      {name: 'aitbc jobs list --help', args: ['jobs', 'list', '--help'], target: COLD_START_TARGET},
      {name: 'aitbc receipts verify FILE --key K (1 receipt)', args: ['receipts', 'verify', receipt.file, '--key', receipt.keyId], target: COLD_START_TARGET},
      {name: 'aitbc jobs get ID (one answer, checked)', args: ['jobs', 'get', jobId, ...client], target: NETWORK_TARGET, network: true},
      {name: 'aitbc explorer stats (one answer, checked)', args: ['explorer', 'stats', '--url', coordinator.url], target: NETWORK_TARGET, network: true},
    ])
  } finally {
    await coordinator.stop()
  }
}

/** One pending job for `jobs get` to fetch, submitted over HTTP as any client would. */
async function submitJob(url: string, apiKey: string): Promise<string> {
  const answer = await fetch(`${url}/v1/jobs`, {
    method: 'POST',
    headers: {'content-type': 'application/json', 'x-api-key': apiKey},
    body: JSON.stringify({prompt: 'Write a haiku about GPUs', model: 'llama3.2'}),
  })
  const job = (await answer.json()) as {job_id?: string}
  if (!answer.ok || !job.job_id) throw new Error(`POST /v1/jobs answered ${answer.status}: ${JSON.stringify(job)}`)
  return job.job_id
}

async function timeCases(runs: number, warm: boolean, cases: Case[]): Promise<Row[]> {
  const commands: string[][] = [['-e', '0'], [BARE_OCLIF, 'hello', '--name', 'bench'], ...cases.map(({args}) => [AITBC_BIN, ...args])]
  const times: number[][] = commands.map(() => [])
  const lags: number[][] = commands.map(() => [])
  // One untimed round first: the first spawn after a while pays for the disk cache.
  for (let round = warm ? -1 : 0; round < runs; round++) {
    for (const [i, args] of commands.entries()) {
      const {ms, lagMs} = await timeCommand(process.execPath, args)
      if (round < 0) continue
      times[i].push(ms)
      lags[i].push(lagMs)
    }
  }
  const [node, bare, ...subjects] = times.map(median)
  const floor = `bare @oclif/core command ${bare.toFixed(0)} ms (${(bare / node).toFixed(2)}x)`
  return cases.map(({name, target, network}, i) => {
    const lag = median(lags[i + 2])
    return row(
      {
        figure: `cold start: ${name}`,
        value: subjects[i],
        unit: 'ms',
        baseline: {name: 'node -e 0', value: node, unit: 'ms'},
        target: network ? `<= ${target}x, exit <= ${EXIT_LAG_TARGET_MS} ms after output` : `<= ${target}x`,
        detail: `median of ${runs}; ${network ? `exit ${lag.toFixed(0)} ms after its output; ` : ''}${floor}`,
        ...(network ? {exitLagMs: lag} : {}),
      },
      (ratio) => ratio <= target && (!network || lag <= EXIT_LAG_TARGET_MS),
    )
  })
}
