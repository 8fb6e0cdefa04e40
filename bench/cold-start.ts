// Cold start: how long `aitbc` takes to do small things, against `node -e 0` in the same run, with the
// floor of the stack alongside: one bare @oclif/core command with a manifest (bench/bare-oclif). Each
// round runs every command once in turn, so all of them see the same machine load. One command talks to
// a coordinator, so the row includes the client: its transport and the check of the answer against
// the contract.
import path from 'node:path'

import {timeCommand} from './lib/processes.js'
import {AITBC_BIN, createDataDir, startCoordinator} from './lib/servers.js'
import {median} from './lib/stats.js'
import {row, type Row} from './lib/table.js'
import {oneReceiptFile} from './verify-receipts.js'

export const COLD_START_TARGET = 2.6

const BARE_OCLIF = path.join(import.meta.dirname, 'bare-oclif', 'run.js')

/** `workDir` holds the one receipt the verify case reads and the data directory of the coordinator. */
export async function coldStart(runs: number, workDir: string): Promise<Row[]> {
  const receipt = await oneReceiptFile(workDir)
  const coordinator = await startCoordinator(await createDataDir(path.join(workDir, 'cold-start-coordinator'), 0))
  try {
    return await timeCases(runs, [
      ['aitbc --version', ['--version']],
      ['aitbc jobs list --help', ['jobs', 'list', '--help']],
      ['aitbc receipts verify FILE --key K (1 receipt)', ['receipts', 'verify', receipt.file, '--key', receipt.keyId]],
      ['aitbc explorer stats (one answer, checked)', ['explorer', 'stats', '--url', coordinator.url]],
    ])
  } finally {
    await coordinator.stop()
  }
}

async function timeCases(runs: number, cases: [string, string[]][]): Promise<Row[]> {
  const commands: string[][] = [['-e', '0'], [BARE_OCLIF, 'hello', '--name', 'bench'], ...cases.map(([, args]) => [AITBC_BIN, ...args])]
  const times: number[][] = commands.map(() => [])
  // One untimed round first: the first spawn after a while pays for the disk cache.
  for (let round = -1; round < runs; round++) {
    for (const [i, args] of commands.entries()) {
      const ms = await timeCommand(process.execPath, args)
      if (round >= 0) times[i].push(ms)
    }
  }
  const [node, bare, ...subjects] = times.map(median)
  const floor = `bare @oclif/core command ${bare.toFixed(0)} ms (${(bare / node).toFixed(2)}x)`
  return cases.map(([name], i) =>
    row(
      {
        figure: `cold start: ${name}`,
        value: subjects[i],
        unit: 'ms',
        baseline: {name: 'node -e 0', value: node, unit: 'ms'},
        target: `<= ${COLD_START_TARGET}x`,
        detail: `median of ${runs}; ${floor}`,
      },
      (ratio) => ratio <= COLD_START_TARGET,
    ),
  )
}
