// Cold start: how long `aitbc` takes to do small things, against `node -e 0` in the same run. Baseline
// and subject runs alternate so both see the same machine load.
import {timeCommand} from './lib/processes.js'
import {AITBC_BIN} from './lib/servers.js'
import {median} from './lib/stats.js'
import {row, type Row} from './lib/table.js'
import {oneReceiptFile} from './verify-receipts.js'

export const COLD_START_TARGET = 2.6

/** `workDir` holds the one receipt the verify case reads. */
export async function coldStart(runs: number, workDir: string): Promise<Row[]> {
  const receipt = await oneReceiptFile(workDir)
  const cases: [string, string[]][] = [
    ['aitbc --version', ['--version']],
    ['aitbc jobs list --help', ['jobs', 'list', '--help']],
    ['aitbc receipts verify FILE --key K (1 receipt)', ['receipts', 'verify', receipt.file, '--key', receipt.keyId]],
  ]
  const rows: Row[] = []
  for (const [name, args] of cases) {
    const baseline: number[] = []
    const subject: number[] = []
    // One untimed run of each first: the first spawn after a while pays for the disk cache.
    await timeCommand(process.execPath, ['-e', '0'])
    await timeCommand(process.execPath, [AITBC_BIN, ...args])
    for (let i = 0; i < runs; i++) {
      baseline.push(await timeCommand(process.execPath, ['-e', '0']))
      subject.push(await timeCommand(process.execPath, [AITBC_BIN, ...args]))
    }
    rows.push(
      row(
        {
          figure: `cold start: ${name}`,
          value: median(subject),
          unit: 'ms',
          baseline: {name: 'node -e 0', value: median(baseline), unit: 'ms'},
          target: `<= ${COLD_START_TARGET}x`,
          detail: `median of ${runs}`,
        },
        (ratio) => ratio <= COLD_START_TARGET,
      ),
    )
  }
  return rows
}
