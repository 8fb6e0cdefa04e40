import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {Ed25519Signer} from '../../src/protocol/ed25519.js'
import {RECEIPT_CANONICALIZATION, signReceipt} from '../../src/protocol/receipt.js'
import {ReceiptChecker} from '../../src/verify/receipt-checker.js'
import {REPO_ROOT as ROOT} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {claim, register, submit} from '../server/fixtures.js'

// The second implementation of docs/protocol.md: docs/examples/verify_aitbc.py (Python + PyNaCl), run
// over the conformance vectors and over receipts and a chain from a live coordinator.
const VERIFIER = path.join(ROOT, 'docs/examples/verify_aitbc.py')
const VECTORS = path.join(ROOT, 'test/vectors/protocol')
const INSTALL = 'apt-get install -y python3-nacl'
const TIMEOUT_MS = 120_000

/**
 * A Python 3 that can import nacl: $AITBC_PYTHON when set (and only it), else Debian's /usr/bin/python3
 * (a pyenv python3 first on PATH does not see Debian's packages), then python3 on PATH.
 */
function findPython(): string | undefined {
  const candidates = process.env.AITBC_PYTHON ? [process.env.AITBC_PYTHON] : ['/usr/bin/python3', 'python3']
  return candidates.find((candidate) => spawnSync(candidate, ['-c', 'import nacl.signing'], {stdio: 'ignore', timeout: TIMEOUT_MS}).status === 0)
}

const python = findPython()
const skip = python ? false : `PyNaCl not found for python3: ${INSTALL} (or set AITBC_PYTHON)`
if (!python && process.env.CI === 'true') throw new Error(`CI: the Python verifier needs PyNaCl: ${INSTALL}`)

/** Runs the verifier in its own process group; a timeout kills the group and says so. */
function runVerifier(args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(python as string, [VERIFIER, ...args], {detached: true, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => {
      process.kill(-(child.pid as number), 'SIGKILL')
      reject(new Error(`killed verify_aitbc.py ${args[0]} after ${TIMEOUT_MS / 1000} s\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

/** xorshift32: the same receipts on every run, so a disagreement can be reproduced. */
function seeded(seed: number): () => number {
  let state = seed
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state >>> 0
  }
}

/** Doubles of every magnitude: random bit patterns (finite ones) and decimal fractions. */
function randomNumber(random: () => number): number {
  if (random() % 2) return Math.round((random() / 2 ** 32) * 10 ** (random() % 12)) / 10 ** (random() % 9)
  const bits = new DataView(new ArrayBuffer(8))
  bits.setUint32(0, random())
  bits.setUint32(4, random())
  const value = bits.getFloat64(0)
  return Number.isFinite(value) ? value : 0.5
}

/** Text from every UTF-8 length: ASCII with controls, two- and three-byte characters, and pairs. */
function randomText(random: () => number, length: number): string {
  let text = ''
  for (let i = 0; i < length; i++) {
    const kind = random() % 4
    let code = kind === 0 ? random() % 0x80 : kind === 1 ? 0x80 + (random() % 0x780) : kind === 2 ? 0x800 + (random() % 0xf800) : 0x10000 + (random() % 0x100000)
    if (code >= 0xd800 && code <= 0xdfff) code = 0xe000 + (code - 0xd800)
    text += String.fromCodePoint(code)
  }
  return text
}

const jsonLines = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)

describe('the independent Python verifier (docs/examples/verify_aitbc.py)', {skip}, () => {
  it('passes every conformance vector', async () => {
    const run = await runVerifier(['vectors', VECTORS])
    assert.equal(run.code, 0, `${run.stdout}${run.stderr}`)
    assert.match(run.stdout, /"problems": 0/)
  })

  it('takes a key id that starts with "-" after --key, as a user types it', async () => {
    const signer = new Ed25519Signer(new Uint8Array(32).fill(41))
    assert.ok(signer.keyId.startsWith('-'), signer.keyId)
    const receipt = signReceipt({
      receipt_id: 'rcpt_dash', job_id: 'job_dash', provider: 'miner-1', client: 'client', units: 1, unit_type: 'tokens', price: 1, model: 'm',
      started_at: 1767225601, completed_at: 1767225604, prompt_sha256: 'a'.repeat(64), result_sha256: 'b'.repeat(64),
      canonicalization: RECEIPT_CANONICALIZATION,
    }, signer)
    const dir = await mkdtemp(path.join(tmpdir(), 'aitbc-pyverify-'))
    try {
      const file = path.join(dir, 'dash.jsonl')
      await writeFile(file, JSON.stringify(receipt))
      const run = await runVerifier(['receipts', '--key', signer.keyId, file])
      assert.equal(run.code, 0, `${run.stdout}${run.stderr}`)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })

  it('agrees with aitbc on receipts full of random numbers, text and member names', async () => {
    const random = seeded(16)
    const signer = new Ed25519Signer(new Uint8Array(32).fill(16))
    const receipts = Array.from({length: 300}, (_, i) => {
      const extra = Object.fromEntries(Array.from({length: 3}, () => [randomText(random, 1 + (random() % 4)), randomNumber(random)]))
      return signReceipt({
        receipt_id: `rcpt_${i}`, job_id: randomText(random, 8), provider: 'miner-1', client: randomText(random, 5), units: random() % 100000,
        unit_type: 'tokens', price: randomNumber(random), model: randomText(random, 12), started_at: 1767225601, completed_at: 1767225604,
        prompt_sha256: 'a'.repeat(64), result_sha256: 'b'.repeat(64), canonicalization: RECEIPT_CANONICALIZATION, ...extra,
      }, signer)
    })
    const dir = await mkdtemp(path.join(tmpdir(), 'aitbc-pyverify-'))
    try {
      const file = path.join(dir, 'random.jsonl')
      await writeFile(file, receipts.map((receipt) => JSON.stringify(receipt)).join('\n'))
      const run = await runVerifier(['receipts', '--key', signer.keyId, file])
      const failed = jsonLines(run.stdout).filter((line) => line.ok === false)
      assert.deepEqual(failed, [], 'Python and aitbc disagree on these (see source and detail)')
      assert.equal(run.code, 0, run.stderr)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })

  describe('against a live coordinator', () => {
    let server: TestServer
    let dir: string
    const receiptTexts: string[] = []
    const blocks: unknown[] = []

    before(async () => {
      server = await startTestServer()
      dir = await mkdtemp(path.join(tmpdir(), 'aitbc-pyverify-'))
      await register(server, 'miner-1', ['llama3.2', 'mistral-été'])
      const complete = async (jobId: string, result: string, units?: number) => {
        const res = await server.request<{receipt_id: string}>(`/v1/jobs/${jobId}/complete`, {key: server.minerKey, method: 'POST', body: {miner_id: 'miner-1', result, ...(units === undefined ? {} : {units})}})
        assert.equal(res.status, 200, JSON.stringify(res.body))
        return res.body.receipt_id
      }
      const ids: string[] = []
      for (const [prompt, model, result, units] of [
        ['Say hello in French.', 'llama3.2', 'Bonjour !', undefined],
        ['Écris « été » 😀\n\t"quoted" \\ \u2028', 'mistral-été', 'Été 😀\u0007', 7],
        ['Count to three.', 'llama3.2', 'one two three', 3],
      ] as const) {
        const job = await submit(server, {prompt, model})
        await claim(server, job.job_id)
        ids.push(await complete(job.job_id, result, units))
      }
      // A cancelled and a requeued job, so the chain holds every transaction type.
      const cancelled = await submit(server, {prompt: 'never mind'})
      assert.equal((await server.request(`/v1/jobs/${cancelled.job_id}/cancel`, {key: server.clientKey, method: 'POST'})).status, 200)
      const retried = await submit(server, {prompt: 'try twice'})
      await claim(server, retried.job_id)
      assert.equal((await server.request(`/v1/jobs/${retried.job_id}/fail`, {key: server.minerKey, method: 'POST', body: {miner_id: 'miner-1', error: 'GPU fell off'}})).status, 200)
      await server.app.coordinator.sealer.sealNow()
      for (const id of ids) {
        const res = await fetch(new URL(`/v1/receipts/${id}`, server.url), {headers: {'X-Api-Key': server.clientKey}})
        receiptTexts.push(await res.text())
      }
      const [head] = (await server.request<{height: number}[]>('/explorer/blocks?limit=1')).body
      for (let height = 0; height <= head.height; height++) blocks.push((await server.request(`/explorer/blocks/${height}`)).body)
      assert.ok(blocks.length >= 2)
    })

    after(async () => {
      await server?.close()
      if (dir) await rm(dir, {recursive: true, force: true})
    })

    it('verifies its receipts, as aitbc does, and catches a changed one', async () => {
      const file = path.join(dir, 'receipts.jsonl')
      const tampered = receiptTexts[0].replace(/"units":\d+/, '"units":1000')
      assert.notEqual(tampered, receiptTexts[0])
      await writeFile(file, [...receiptTexts, tampered].join('\n'))
      const run = await runVerifier(['receipts', '--key', server.keyId, file])
      assert.equal(run.code, 1, run.stderr)
      const lines = jsonLines(run.stdout)
      const checker = new ReceiptChecker(server.trustedKeyIds)
      for (const [i, text] of [...receiptTexts, tampered].entries()) {
        const ours = await checker.check(text)
        assert.deepEqual({ok: lines[i].ok, reason: lines[i].reason, key_id: lines[i].key_id}, {ok: ours.ok, reason: ours.reason, key_id: ours.key_id}, text)
      }
      assert.deepEqual(lines.slice(0, 4).map((line) => line.ok), [true, true, true, false])
      assert.equal(lines[3].reason, 'bad_signature')
      assert.deepEqual(lines.at(-1), {type: 'summary', total: 4, ok: 3, failed: 1})
      // Against another key nothing is trusted.
      const other = await runVerifier(['receipts', '--key', 'A'.repeat(43), file])
      assert.deepEqual(jsonLines(other.stdout).slice(0, 3).map((line) => line.reason), ['untrusted_key', 'untrusted_key', 'untrusted_key'])
    })

    it('verifies its chain, and stops at a changed block', async () => {
      const file = path.join(dir, 'chain.json')
      await writeFile(file, JSON.stringify(blocks))
      const run = await runVerifier(['chain', '--key', server.keyId, file])
      assert.equal(run.code, 0, `${run.stdout}${run.stderr}`)
      const summary = JSON.parse(run.stdout) as {ok: boolean; receipts: number; transactions: number}
      assert.deepEqual({ok: summary.ok, receipts: summary.receipts}, {ok: true, receipts: 3})
      assert.ok(summary.transactions >= 15, run.stdout)
      const changed = structuredClone(blocks) as {transaction_list: {data: Record<string, unknown>}[]}[]
      const last = changed.at(-1)!
      last.transaction_list[0].data.extra = 1
      await writeFile(file, JSON.stringify(changed))
      const broken = await runVerifier(['chain', '--key', server.keyId, file])
      assert.equal(broken.code, 1)
      assert.deepEqual(JSON.parse(broken.stdout), {ok: false, first_failing_height: changed.length - 1, reason: 'tx_hash_mismatch'})
    })
  })
})
