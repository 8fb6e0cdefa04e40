// Tables on an 80-column terminal fit in 80 columns: ids keep their start and end around an ellipsis,
// names their start. In a pipe (and under --json) every value is printed in full, as before.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {tempConfigDir} from '../helpers/cli.js'
import {newSigner} from '../verify/fixtures.js'
import {aitbc, assertExit} from './aitbc.js'
import {Coordinator} from './coordinator.js'

function assertFits(stdout: string, columns: number): void {
  for (const line of stdout.trimEnd().split('\n')) assert.ok([...line].length <= columns, `${[...line].length} columns: ${JSON.stringify(line)}`)
}

describe('tables at 80 columns', () => {
  let coord: Coordinator
  const receiptIds: string[] = []
  before(async () => {
    coord = await Coordinator.start()
    for (let i = 0; i < 3; i++) receiptIds.push((await coord.completedJob(`prompt ${i}`, 'a result', 'gpu-rig-in-the-basement-01')).receipt.receipt_id)
  })
  after(() => coord.close())

  it('receipts list: fits, each id shortened to its start and end, still told apart', async () => {
    const onTerminal = await aitbc(['receipts', 'list'], {env: coord.env('admin'), tty: {stdout: true, columns: 80}})
    assertExit(onTerminal, 0)
    assertFits(onTerminal.stdout, 80)
    const rows = onTerminal.stdout.trimEnd().split('\n').slice(1)
    assert.equal(rows.length, 3)
    const shown = rows.map((row) => row.split(/\s{2,}/)[0])
    for (const [i, id] of [...receiptIds].reverse().entries()) {
      const [start, end] = shown[i].split('…')
      assert.ok(end !== undefined && id.startsWith(start) && id.endsWith(end) && end.length >= 4, `${shown[i]} for ${id}`)
    }
    assert.equal(new Set(shown).size, 3)

    const inPipe = await aitbc(['receipts', 'list'], {env: coord.env('admin')})
    for (const id of receiptIds) assert.ok(inPipe.stdout.includes(id), inPipe.stdout)
    assert.ok(!inPipe.stdout.includes('…'))
  })

  it('keys list: fits, key ids shortened; in a pipe the whole key id', async () => {
    // One configuration directory for the four runs.
    const env = {...coord.env('none'), AITBC_CONFIG_DIR: tempConfigDir()}
    const keyIds = [newSigner().keyId, newSigner().keyId]
    assertExit(await aitbc(['keys', 'trust', '--from-coordinator', '--yes'], {env}), 0)
    for (const keyId of keyIds) assertExit(await aitbc(['keys', 'trust', keyId], {env}), 0)

    const onTerminal = await aitbc(['keys', 'list'], {env, tty: {stdout: true, columns: 80}})
    assertExit(onTerminal, 0)
    assertFits(onTerminal.stdout, 80)
    assert.ok(onTerminal.stdout.includes('…'), onTerminal.stdout)
    assert.ok(onTerminal.stdout.includes(coord.server.url), 'the source URL is short enough to stay whole')

    const inPipe = await aitbc(['keys', 'list'], {env})
    for (const keyId of keyIds) assert.ok(inPipe.stdout.includes(keyId))
  })
})
