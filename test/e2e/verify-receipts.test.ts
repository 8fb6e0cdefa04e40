// `aitbc receipts verify` as a user runs it: receipts the real coordinator signed, in files, a
// directory, stdin or by id; against pinned keys or --key; and proof that the offline paths make no
// network call at all.
import assert from 'node:assert/strict'
import {mkdtemp, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'
import {parse, stringify} from 'lossless-json'

import type {Receipt} from '../../src/client/client.js'
import {tempConfigDir} from '../helpers/cli.js'
import {aitbc, assertExit} from '../cli/aitbc.js'
import {Coordinator} from '../cli/coordinator.js'
import {newSigner, pythonReceipts, signedReceipts} from '../verify/fixtures.js'
import {startConnectionRecorder} from '../verify/network-watch.js'

const PROMPT = 'Translate "receipt" to German'
const RESULT = 'Quittung'

interface Line {
  type: string
  source?: string
  receipt_id?: string
  ok?: boolean
  reason?: string
  total?: number
  failed?: number
}

const jsonLines = (stdout: string): Line[] => stdout.trim().split('\n').map((line) => JSON.parse(line) as Line)

describe('aitbc receipts verify', {concurrency: 4}, () => {
  let coord: Coordinator
  let receipts: Receipt[]
  let dir: string
  let key: string
  const file = (name: string) => path.join(dir, name)

  before(async () => {
    coord = await Coordinator.start()
    key = coord.server.keyId
    receipts = [
      (await coord.completedJob(PROMPT, RESULT, 'miner-a')).receipt,
      (await coord.completedJob('second prompt', 'second result', 'miner-a')).receipt,
    ]
    dir = await mkdtemp(path.join(tmpdir(), 'aitbc-verify-'))
    await writeFile(file('one.json'), JSON.stringify(receipts[0], null, 2))
    await writeFile(file('all.jsonl'), receipts.map((r) => `${JSON.stringify(r)}\n`).join(''))
    await writeFile(file('prompt.txt'), PROMPT)
    await writeFile(file('result.txt'), RESULT)
  })
  after(() => coord.close())

  it('verifies a file of one receipt and JSON Lines against --key: a line per receipt, a summary, exit 0', async () => {
    const result = await aitbc(['receipts', 'verify', file('one.json'), file('all.jsonl'), '--key', key])
    assertExit(result, 0)
    const lines = result.stdout.trimEnd().split('\n')
    assert.equal(lines.length, 4)
    assert.match(lines[0], new RegExp(`^ok +${receipts[0].receipt_id} +.*one\\.json$`))
    assert.match(lines[2], new RegExp(`^ok +${receipts[1].receipt_id} +.*all\\.jsonl:2$`))
    assert.equal(lines[3], '3 receipts: 3 ok, 0 failed')
  })

  it('--json gives a JSON line per receipt and a summary line', async () => {
    const result = await aitbc(['receipts', 'verify', file('all.jsonl'), '--key', key, '--json'])
    assertExit(result, 0)
    const lines = jsonLines(result.stdout)
    assert.deepEqual(lines.slice(0, 2).map((l) => [l.type, l.receipt_id, l.ok]), [['receipt', receipts[0].receipt_id, true], ['receipt', receipts[1].receipt_id, true]])
    assert.deepEqual(lines[2], {type: 'summary', total: 2, ok: 2, failed: 0, reasons: {}})
  })

  it('verifies against the keys pinned in the profile', async () => {
    const configDir = tempConfigDir()
    assertExit(await aitbc(['receipts', 'verify', file('one.json')], {env: {AITBC_CONFIG_DIR: configDir}}), 2)
    assertExit(await aitbc(['keys', 'trust', key], {env: {AITBC_CONFIG_DIR: configDir}}), 0)
    assertExit(await aitbc(['receipts', 'verify', file('one.json')], {env: {AITBC_CONFIG_DIR: configDir}}), 0)
  })

  it('changing any single field, the signature\u2019s own included, exits 10 with the right reason', async () => {
    const original = receipts[0] as unknown as Record<string, unknown>
    const fields = [...Object.keys(original).filter((f) => f !== 'signature'), 'signature.alg', 'signature.key_id', 'signature.sig']
    const expected: Record<string, string> = {canonicalization: 'malformed', 'signature.alg': 'unsupported_alg', 'signature.key_id': 'untrusted_key'}
    const flip = (value: unknown) => (typeof value === 'number' ? value + 1 : `${String(value).slice(0, 5)}${String(value)[5] === 'A' ? 'B' : 'A'}${String(value).slice(6)}`)
    await Promise.all(fields.map(async (field) => {
      const tampered = structuredClone(original) as Record<string, Record<string, unknown>>
      const [outer, inner] = field.split('.')
      if (inner) tampered[outer][inner] = flip(tampered[outer][inner])
      else (tampered as Record<string, unknown>)[outer] = flip(tampered[outer])
      assert.notDeepEqual(tampered, original, field)
      const target = file(`tampered-${field}.json`)
      await writeFile(target, JSON.stringify(tampered))
      const result = await aitbc(['receipts', 'verify', target, '--key', key, '--json'])
      assertExit(result, 10)
      assert.equal(jsonLines(result.stdout)[0].reason, expected[field] ?? 'bad_signature', field)
    }))
    assert.equal(fields.length, 16)
  })

  it('a receipt signed by a key that is not pinned is untrusted_key, exit 10', async () => {
    const [foreign] = signedReceipts(newSigner(), 1)
    const result = await aitbc(['receipts', 'verify', '-', '--key', key], {input: JSON.stringify(foreign)})
    assertExit(result, 10)
    assert.match(result.stdout, /^FAILED +\S+ +stdin:1 +untrusted_key: signed by \S+, which is not a trusted key$/m)
    assert.match(result.stdout, /1 receipt: 0 ok, 1 failed \(untrusted_key 1\)/)
    assert.match(result.stderr, /1 of 1 receipts did not verify/)
  })

  it('--result and --prompt check the hashes against the files the user holds', async () => {
    const good = await aitbc(['receipts', 'verify', file('one.json'), '--key', key, '--result', file('result.txt'), '--prompt', file('prompt.txt')])
    assertExit(good, 0)
    const bad = await aitbc(['receipts', 'verify', file('one.json'), '--key', key, '--result', file('prompt.txt'), '--json'])
    assertExit(bad, 10)
    assert.equal(jsonLines(bad.stdout)[0].reason, 'hash_mismatch')
    const piped = await aitbc(['receipts', 'verify', file('one.json'), '--key', key, '--result', '-'], {input: RESULT})
    assertExit(piped, 0)
  })

  it('reads a directory and stdin, and verifies receipts of the Python coordinator', async () => {
    const mixed = await mkdtemp(path.join(tmpdir(), 'aitbc-mixed-'))
    await writeFile(path.join(mixed, 'a.json'), `[${JSON.stringify(receipts[0])}]`)
    await writeFile(path.join(mixed, 'b.jsonl'), `${JSON.stringify(receipts[1])}\n`)
    // JSON Lines: each Python receipt on one line, its numbers as CPython wrote them.
    const python = pythonReceipts.receipts.map((r) => stringify(parse(r.text))).join('\n')
    const result = await aitbc(['receipts', 'verify', mixed, '-', '--key', key, '--key', pythonReceipts.key_id, '--json'], {input: python})
    assertExit(result, 0)
    const lines = jsonLines(result.stdout)
    assert.equal(lines.length, 2 + pythonReceipts.receipts.length + 1)
    assert.ok(lines.slice(0, -1).every((l) => l.ok))
  })

  it('fetches receipt ids from the coordinator', async () => {
    const result = await aitbc(['receipts', 'verify', receipts[1].receipt_id, '--key', key], {env: coord.env()})
    assertExit(result, 0)
    assert.match(result.stdout, new RegExp(`^ok +${receipts[1].receipt_id} +coordinator:${receipts[1].receipt_id}$`, 'm'))
    assertExit(await aitbc(['receipts', 'verify', 'rcpt_does_not_exist', '--key', key], {env: coord.env()}), 1)
  })

  it('files verify without an API key; a receipt id needs one (exit 4), as the README says', async () => {
    assertExit(await aitbc(['receipts', 'verify', file('one.json'), '--key', key], {env: coord.env('none')}), 0)
    const byId = await aitbc(['receipts', 'verify', receipts[1].receipt_id, '--key', key], {env: coord.env('none')})
    assertExit(byId, 4)
    assert.match(byId.stderr, /API key/)
  })

  it('usage errors exit 2, unreadable targets 1', async () => {
    assertExit(await aitbc(['receipts', 'verify', file('one.json'), '--key', 'not-a-key']), 2)
    assertExit(await aitbc(['receipts', 'verify', file('one.json'), '-', '--result', '-', '--key', key]), 2)
    const missing = await aitbc(['receipts', 'verify', file('missing.jsonl'), '--key', key])
    assertExit(missing, 1)
    assert.match(missing.stderr, /cannot read .*missing\.jsonl: no such file or directory/)
    assertExit(await aitbc(['receipts', 'verify', '-', '--key', key], {input: ''}), 1)
  })

  it('makes no network call without a receipt id: not with a profile URL, not with the coordinator stopped', async () => {
    const recorder = await startConnectionRecorder()
    try {
      const configDir = tempConfigDir()
      const env = {AITBC_CONFIG_DIR: configDir, AITBC_URL: recorder.url, AITBC_API_KEY: coord.server.clientKey}
      assertExit(await aitbc(['config', 'set', 'url', recorder.url], {env}), 0)
      assertExit(await aitbc(['keys', 'trust', key], {env}), 0)
      const clean = await mkdtemp(path.join(tmpdir(), 'aitbc-clean-'))
      await writeFile(path.join(clean, 'r.jsonl'), receipts.map((r) => `${JSON.stringify(r)}\n`).join(''))
      for (const args of [[file('one.json')], [clean], ['-'], [file('all.jsonl'), '--key', key]]) {
        const result = await aitbc(['receipts', 'verify', ...args], {env, input: JSON.stringify(receipts[0])})
        assertExit(result, 0)
      }
      assert.equal(recorder.connections(), 0)
      // The same command with a receipt id does connect: the recorder can see a call.
      await aitbc(['receipts', 'verify', receipts[0].receipt_id, '--key', key], {env})
      assert.ok(recorder.connections() > 0)
    } finally {
      await recorder.close()
    }
  })
})

describe('aitbc receipts verify with the coordinator stopped', () => {
  it('still verifies files, and only a receipt id needs the network (exit 6)', async () => {
    const coord = await Coordinator.start()
    const {receipt} = await coord.completedJob('offline', 'works', 'miner-o')
    const dir = await mkdtemp(path.join(tmpdir(), 'aitbc-offline-'))
    await writeFile(path.join(dir, 'r.json'), JSON.stringify(receipt))
    await coord.close()
    const env = {...coord.env(), AITBC_URL: coord.server.url}
    assertExit(await aitbc(['receipts', 'verify', path.join(dir, 'r.json'), '--key', coord.server.keyId], {env}), 0)
    assertExit(await aitbc(['receipts', 'verify', receipt.receipt_id, '--key', coord.server.keyId], {env}), 6)
  })
})
