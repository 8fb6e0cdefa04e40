import assert from 'node:assert/strict'
import {mkdir, mkdtemp, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Readable} from 'node:stream'
import {describe, it} from 'node:test'

import {type ReceiptText, receiptTexts, resolveTargets, type Target, TargetError} from '../../src/verify/receipt-sources.js'
import {newSigner, pythonReceipts, signedReceipts} from './fixtures.js'

const receipts = signedReceipts(newSigner(), 3)
const lines = receipts.map((receipt) => JSON.stringify(receipt))

async function collect(targets: Target[], options = {}): Promise<ReceiptText[]> {
  const all: ReceiptText[] = []
  for await (const batch of receiptTexts(targets, options)) all.push(...batch)
  return all
}

async function fileWith(name: string, content: string | Buffer): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'aitbc-sources-'))
  const file = path.join(dir, name)
  await writeFile(file, content)
  return file
}

describe('receipt sources', () => {
  it('reads JSON Lines line by line, naming each line, skipping blank lines, with CRLF and a BOM', async () => {
    const file = await fileWith('r.jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines[0]}\r\n\n${lines[1]}\n${lines[2]}`)]))
    const read = await collect([{kind: 'file', path: file}])
    assert.deepEqual(read.map((r) => r.source), [`${file}:1`, `${file}:3`, `${file}:4`])
    assert.deepEqual(read.map((r) => JSON.parse(r.text)), receipts)
  })

  it('reads lines longer than a read chunk, and non-ASCII split across chunks', async () => {
    const long = {...receipts[0], model: 'é'.repeat(40_000)}
    const file = await fileWith('long.jsonl', `${JSON.stringify(long)}\n${lines[1]}\n`)
    const read = await collect([{kind: 'file', path: file}])
    assert.deepEqual(JSON.parse(read[0].text), long)
    assert.equal(read.length, 2)
  })

  it('reads a pretty-printed receipt and a JSON array, keeping number text for the Python form', async () => {
    const single = await fileWith('one.json', JSON.stringify(receipts[0], null, 2))
    assert.deepEqual((await collect([{kind: 'file', path: single}])).map((r) => [r.source, JSON.parse(r.text)]), [[single, receipts[0]]])
    const python = pythonReceipts.receipts[0].text
    const array = await fileWith('all.json', `[\n${lines[0]},\n${python}\n]\n`)
    const read = await collect([{kind: 'file', path: array}])
    assert.deepEqual(read.map((r) => r.source), [`${array}[0]`, `${array}[1]`])
    assert.match(read[1].text, /"units":1\.0/)
  })

  it('a broken document is read as lines, so every line is reported', async () => {
    const file = await fileWith('broken.jsonl', `{"receipt_id": "x",\n${lines[0]}\n`)
    assert.deepEqual((await collect([{kind: 'file', path: file}])).map((r) => r.source), [`${file}:1`, `${file}:2`])
  })

  it('reads a directory\u2019s receipt files in name order, and stdin', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aitbc-dir-'))
    await writeFile(path.join(dir, 'b.jsonl'), `${lines[1]}\n${lines[2]}\n`)
    await writeFile(path.join(dir, 'a.json'), lines[0])
    await writeFile(path.join(dir, 'notes.txt'), 'not a receipt')
    await mkdir(path.join(dir, 'sub.json'))
    const read = await collect([{kind: 'directory', path: dir}, {kind: 'stdin'}], {stdin: Readable.from([Buffer.from(`${lines[2]}\n`)])})
    assert.deepEqual(read.map((r) => path.basename(r.source)), ['a.json:1', 'b.jsonl:1', 'b.jsonl:2', 'stdin:1'])
  })

  it('tells files, directories, stdin and receipt ids apart; a missing file is unreadable', async () => {
    const file = await fileWith('r.jsonl', lines[0])
    const targets = await resolveTargets([file, path.dirname(file), '-', 'rcpt_01JD2X3Y4Z'])
    assert.deepEqual(targets.map((t) => t.kind), ['file', 'directory', 'stdin', 'receipt-id'])
    await assert.rejects(resolveTargets(['missing/receipts.jsonl']), TargetError)
    await assert.rejects(resolveTargets(['receipts.jsonl']), /cannot read receipts.jsonl: no such file/)
  })

  it('fetches receipt ids only through the given fetcher', async () => {
    const fetched: string[] = []
    const read = await collect([{kind: 'receipt-id', id: 'rcpt_1'}], {fetchReceipt: async (id: string) => (fetched.push(id), lines[0])})
    assert.deepEqual(fetched, ['rcpt_1'])
    assert.equal(read[0].source, 'coordinator:rcpt_1')
  })
})

describe('receipt sources: documents', () => {
  it('reads pretty-printed receipts and arrays one after another, naming their lines', async () => {
    const text = `${JSON.stringify(receipts[0], null, 2)}\n${JSON.stringify([receipts[1], receipts[2]], null, 2)}\n`
    const read = await collect([{kind: 'stdin'}], {stdin: Readable.from([Buffer.from(text)])})
    const secondLine = JSON.stringify(receipts[0], null, 2).split('\n').length + 1
    assert.deepEqual(read.map((r) => r.source), ['stdin:1', `stdin:${secondLine}[0]`, `stdin:${secondLine}[1]`])
    assert.deepEqual(read.map((r) => JSON.parse(r.text)), receipts)
  })

  it('a truncated document is one entry naming its lines, after the whole ones before it', async () => {
    const pretty = JSON.stringify(receipts[1], null, 2).split('\n')
    const cut = pretty.slice(0, 6).join('\n')
    const alone = await fileWith('cut.json', `${cut}\n`)
    const read = await collect([{kind: 'file', path: alone}])
    assert.deepEqual(read.map((r) => r.source), [`${alone}:1-6`])
    assert.equal(read[0].text, cut)

    const first = JSON.stringify(receipts[0], null, 2)
    const after = await fileWith('two.json', `${first}\n${cut}`)
    const start = first.split('\n').length + 1
    assert.deepEqual((await collect([{kind: 'file', path: after}])).map((r) => r.source), [`${after}:1`, `${after}:${start}-${start + 5}`])
  })

  it('brackets inside strings do not confuse the split', async () => {
    const odd = {...receipts[0], model: 'a}]"[{\\'}
    const read = await collect([{kind: 'stdin'}], {stdin: Readable.from([Buffer.from(`${JSON.stringify(odd, null, 1)}\n${JSON.stringify(odd, null, 1)}`)])})
    assert.deepEqual(read.map((r) => JSON.parse(r.text)), [odd, odd])
  })
})
