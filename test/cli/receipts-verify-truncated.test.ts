// `receipts verify` of a file cut short (a download or a copy that stopped): the broken receipt is one
// malformed entry naming its lines, not one per line of it.
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {it} from 'node:test'

import {newSigner, signedReceipts} from '../verify/fixtures.js'
import {aitbc, assertExit} from './aitbc.js'

it('a truncated pretty-printed receipt counts once, as malformed, naming its line range', async () => {
  const signer = newSigner()
  const [whole, cut] = signedReceipts(signer, 2).map((receipt) => JSON.stringify(receipt, null, 2))
  const cutLines = cut.split('\n').slice(0, 8)
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'aitbc-cut-')), 'receipts.json')
  writeFileSync(file, `${whole}\n${cutLines.join('\n')}`)
  const start = whole.split('\n').length + 1

  const result = await aitbc(['receipts', 'verify', file, '--key', signer.keyId])
  assertExit(result, 10)
  const lines = result.stdout.trimEnd().split('\n')
  assert.equal(lines.length, 3, result.stdout)
  assert.match(lines[0], /^ok /)
  assert.match(lines[1], /^FAILED /)
  assert.ok(lines[1].includes(`${file}:${start}-${start + 7}`), lines[1])
  assert.match(lines[2], /^2 receipts: 1 ok, 1 failed \(malformed 1\)$/)
})
