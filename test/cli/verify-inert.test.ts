// `receipts verify` shows its per-receipt lines inert (issue 15): a receipt's id, a file's name and a
// reason's detail come from elsewhere, so their control characters are shown in caret notation and a
// newline in one cannot end the line and forge the next ("ok  rcpt_…"). --json keeps them exact.
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'

import {signReceipt} from '../../src/protocol/receipt.js'
import {newSigner, unsignedReceipt} from '../verify/fixtures.js'
import {aitbc, assertExit} from './aitbc.js'

const EVIL = '\u001B]0;pwned\u0007\u001B[2J\u009B2K'
const SHOWN = '^[]0;pwned^G^[[2J^[[2K'

describe('receipts verify lines are inert', () => {
  const signer = newSigner()
  const dir = mkdtempSync(path.join(tmpdir(), 'aitbc-inert-'))
  const signedEvil = path.join(dir, 'evil-id.json')
  writeFileSync(signedEvil, JSON.stringify(signReceipt({...unsignedReceipt(1), receipt_id: `rcpt${EVIL}`}, signer)))
  // A file name that would end its line and print a forged verdict after it.
  const forging = path.join(dir, `bad${EVIL}\nok      rcpt_forged  fine.json`)
  writeFileSync(forging, '{"receipt_id": "rcpt_x"}')

  it('ids, file names and details show control characters and newlines in caret notation', async () => {
    for (const tty of [false, true]) {
      const result = await aitbc(['receipts', 'verify', signedEvil, forging, '--key', signer.keyId], {tty: {stdout: tty}, env: {NO_COLOR: '1'}})
      assertExit(result, 10)
      assert.ok(!result.stdout.includes('\u001B') && !result.stdout.includes('\u009B') && !result.stdout.includes('\u0007'), JSON.stringify(result.stdout))
      const lines = result.stdout.trimEnd().split('\n')
      assert.equal(lines.length, 3, `one line per receipt and a summary: ${JSON.stringify(result.stdout)}`)
      assert.match(lines[0], /^ok {6}/)
      assert.ok(lines[0].includes(`rcpt${SHOWN}`), lines[0])
      assert.match(lines[1], /^FAILED {2}/)
      assert.ok(lines[1].includes(`bad${SHOWN}^Jok      rcpt_forged  fine.json`), lines[1])
    }
  })

  it('on a terminal the summary is not repeated as an "Error:" (it still exits 10); off a terminal stderr says it', async () => {
    const onTerminal = await aitbc(['receipts', 'verify', forging, '--key', signer.keyId], {tty: {stdout: true, stderr: true}})
    assertExit(onTerminal, 10)
    assert.match(onTerminal.stdout, /1 receipt: 0 ok, 1 failed/)
    assert.equal(onTerminal.stderr, '')
    const inFile = await aitbc(['receipts', 'verify', forging, '--key', signer.keyId])
    assertExit(inFile, 10)
    assert.match(inFile.stderr, /1 of 1 receipts did not verify/)
  })

  it('--json keeps the exact text', async () => {
    const result = await aitbc(['receipts', 'verify', signedEvil, '--key', signer.keyId, '--json'])
    assertExit(result, 0)
    assert.equal(JSON.parse(result.stdout.split('\n')[0]).receipt_id, `rcpt${EVIL}`)
  })
})
