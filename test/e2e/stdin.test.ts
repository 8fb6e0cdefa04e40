// Every command that reads stdin gets the data byte for byte, and stdin is never taken for an argument
// (oclif fills missing arguments from stdin unless told not to). Each of the three readers (the receipt
// stream of `receipts verify`, the hash of `--result -`, and all of stdin, as `jobs submit` with no
// argument reads its prompt) runs on the real binary with stdin redirected from a file (`< FILE`, which
// is ready at once and never "slow") and from a pipe; every command that reads stdin runs in-process.
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {type CliOptions, runCli, tempConfigDir} from '../helpers/cli.js'
import {runCommand} from '../helpers/run-command.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {sha256Hex} from '../../src/protocol/encoding.js'
import {claim, register, submit} from '../server/fixtures.js'
import {newSigner, PROMPT, RESULT, signedReceipts} from '../verify/fixtures.js'

const dir = mkdtempSync(path.join(tmpdir(), 'aitbc-stdin-'))
const file = (name: string, text: string) => {
  const target = path.join(dir, name)
  writeFileSync(target, text)
  return target
}
const signer = newSigner()
const receipts = signedReceipts(signer, 2)
const receiptLines = receipts.map((receipt) => JSON.stringify(receipt)).join('\n') + '\n'
const receiptsFile = file('receipts.jsonl', receiptLines)
const resultFile = file('result.txt', RESULT)
const oneReceipt = file('one.json', JSON.stringify(receipts[0]))

/** The same stdin, from a file and from a pipe. */
const WAYS: {name: string; stdin: (path: string, text: string) => CliOptions}[] = [
  {name: 'from a file', stdin: (target) => ({stdinFile: target})},
  {name: 'from a pipe', stdin: (_, text) => ({input: text})},
]

let server: TestServer
before(async () => {
  server = await startTestServer()
  await register(server, 'rig', ['llama3.2'])
})
after(() => server?.close())

for (const way of WAYS) {
  describe(`the real binary, stdin ${way.name}`, {concurrency: true}, () => {
    it('receipts verify with no target reads the receipts from stdin', async () => {
      const result = await runCli(['receipts', 'verify', '--key', signer.keyId], way.stdin(receiptsFile, receiptLines))
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, /2 receipts: 2 ok, 0 failed/)
    })

    it('receipts verify --result - hashes stdin', async () => {
      const result = await runCli(['receipts', 'verify', oneReceipt, '--key', signer.keyId, '--result', '-'], way.stdin(resultFile, RESULT))
      assert.equal(result.code, 0, result.stdout + result.stderr)
    })

    it('jobs submit with no argument takes the prompt byte for byte', async () => {
      const prompt = `Line one\n  line two ${way.name}\n`
      const result = await runCli(['jobs', 'submit'], {env: {AITBC_URL: server.url, AITBC_API_KEY: server.clientKey}, ...way.stdin(file(`prompt-${way.name}.txt`, prompt), prompt)})
      assert.equal(result.code, 0, result.stderr)
      const job = await server.request<{prompt: string}>(`/v1/jobs/${result.stdout.trim()}`, {key: server.clientKey})
      assert.equal(job.body.prompt, prompt)
    })
  })
}

describe('every command that reads stdin', {concurrency: true}, () => {
  it('receipts verify - reads the receipts too, and --json errors carry the message', async () => {
    const result = await runCommand(['receipts', 'verify', '-', '--key', signer.keyId], {input: receiptLines})
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /2 receipts: 2 ok, 0 failed/)
    const empty = await runCommand(['receipts', 'verify', '--key', signer.keyId, '--json'], {input: ''})
    assert.equal(empty.code, 1)
    assert.equal(JSON.parse(empty.stdout).error.message, 'Found no receipts in the targets.')
  })

  it('receipts verify --result - and --prompt - hash stdin', async () => {
    const byResult = await runCommand(['receipts', 'verify', oneReceipt, '--key', signer.keyId, '--result', '-'], {input: RESULT})
    assert.equal(byResult.code, 0, byResult.stdout + byResult.stderr)
    const byPrompt = await runCommand(['receipts', 'verify', oneReceipt, '--key', signer.keyId, '--prompt', '-'], {input: PROMPT})
    assert.equal(byPrompt.code, 0, byPrompt.stdout + byPrompt.stderr)
    const wrong = await runCommand(['receipts', 'verify', oneReceipt, '--key', signer.keyId, '--result', '-'], {input: PROMPT})
    assert.equal(wrong.code, 10, wrong.stdout + wrong.stderr)
  })

  it('jobs submit (no argument, and -) takes the prompt byte for byte', async () => {
    const prompt = 'Line one\n  line two in-process\n'
    for (const args of [['jobs', 'submit'], ['jobs', 'submit', '-']]) {
      const result = await runCommand(args, {env: {AITBC_URL: server.url, AITBC_API_KEY: server.clientKey}, input: prompt})
      assert.equal(result.code, 0, result.stderr)
      const job = await server.request<{prompt: string}>(`/v1/jobs/${result.stdout.trim()}`, {key: server.clientKey})
      assert.equal(job.body.prompt, prompt)
    }
  })

  it('miner complete --result - delivers stdin as the result', async () => {
    const job = await submit(server, {prompt: 'complete from stdin'})
    await claim(server, job.job_id, 'rig')
    const text = 'the result\nfrom stdin\n'
    const result = await runCommand(['miner', 'complete', job.job_id, '--miner-id', 'rig', '--result', '-', '--json'], {
      env: {AITBC_URL: server.url, AITBC_API_KEY: server.minerKey},
      input: text,
    })
    assert.equal(result.code, 0, result.stderr)
    assert.equal(JSON.parse(result.stdout).result_sha256, sha256Hex(text))
  })

  it('config set api-key - stores what stdin holds', async () => {
    const configDir = tempConfigDir()
    const key = `aitbc_${'k'.repeat(30)}`
    const set = await runCommand(['config', 'set', 'api-key', '-'], {env: {AITBC_CONFIG_DIR: configDir}, input: `${key}\n`})
    assert.equal(set.code, 0, set.stderr)
    const shown = await runCommand(['config', 'get', 'api-key', '--json'], {env: {AITBC_CONFIG_DIR: configDir}})
    assert.equal(JSON.parse(shown.stdout).set, true)
  })
})
