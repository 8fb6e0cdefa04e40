// Batch receipt verification, as a user runs it: `aitbc receipts verify FILE --key K` over a JSON Lines
// file, process start included, against a bare node:crypto Ed25519 verify loop over the same signatures
// in the same run; and the peak memory of that command over many receipts against few (it streams).
//
//   node --import tsx bench/verify-receipts.ts [--quick]     (needs `npm run build` first)
import {spawn} from 'node:child_process'
import {verify as nodeVerify} from 'node:crypto'
import {createWriteStream, existsSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {ulid} from 'ulid'

import {Ed25519Signer, generateSeed, publicKeyObject} from '../src/protocol/ed25519.js'
import {fromBase64Url, sha256Hex} from '../src/protocol/encoding.js'
import {RECEIPT_CANONICALIZATION, receiptSigningBytes, signReceipt} from '../src/protocol/receipt.js'
import {packageFile} from '../src/server/package-root.js'
import {median, round} from './lib/stats.js'

const ROOT = packageFile('.')
const BIN = path.join(ROOT, 'bin', 'run.js')

export interface ReceiptFile {
  file: string
  count: number
  keyId: string
}

/** Writes `count` receipts signed by a fresh key, one JSON line each, shaped like the coordinator's. */
export async function writeReceiptFile(file: string, count: number): Promise<ReceiptFile> {
  const signer = new Ed25519Signer(generateSeed())
  const out = createWriteStream(file)
  for (let i = 0; i < count; i++) {
    const completedAt = 1_760_000_000 + i
    const receipt = signReceipt(
      {
        receipt_id: `rcpt_${ulid()}`, job_id: `job_${ulid()}`, provider: `miner-${i % 16}`, client: 'client', units: 24 + (i % 200),
        unit_type: 'tokens', price: Number((((24 + (i % 200)) * 0.002) / 1000).toPrecision(12)), model: 'llama3.2',
        started_at: completedAt - 3, completed_at: completedAt, prompt_sha256: sha256Hex(`prompt ${i}`), result_sha256: sha256Hex(`result ${i}`),
        canonicalization: RECEIPT_CANONICALIZATION,
      },
      signer,
    )
    if (!out.write(`${JSON.stringify(receipt)}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())))
  return {file, count, keyId: signer.keyId}
}

/** Preloaded into the CLI process: writes its peak RSS (KiB) where BENCH_RSS_FILE says, as it exits. */
const MAX_RSS_REPORTER = `import {writeFileSync} from 'node:fs'
process.on('exit', () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)))
`

interface CliRun {
  ms: number
  /** Peak resident memory of the CLI process, in MiB. */
  maxRssMb: number
}

/** Runs `aitbc receipts verify FILE --key K` to its end (stdout discarded); it must exit 0. */
export async function runVerify(receipts: ReceiptFile, workDir: string): Promise<CliRun> {
  const rssFile = path.join(workDir, `rss-${process.hrtime.bigint()}`)
  const reporter = path.join(workDir, 'report-max-rss.mjs')
  if (!existsSync(reporter)) await writeFile(reporter, MAX_RSS_REPORTER)
  const env = {...process.env, AITBC_CONFIG_DIR: workDir, BENCH_RSS_FILE: rssFile, CI: 'true'}
  const started = process.hrtime.bigint()
  const child = spawn(process.execPath, ['--import', reporter, BIN, 'receipts', 'verify', receipts.file, '--key', receipts.keyId], {stdio: ['ignore', 'ignore', 'pipe'], env})
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (code !== 0) throw new Error(`receipts verify exited ${code}: ${stderr.trim()}`)
  const maxRssMb = Number(await readFile(rssFile, 'utf8')) / 1024
  await rm(rssFile, {force: true})
  return {ms, maxRssMb}
}

/** The bare loop: node:crypto verifies the same signatures over the same signed bytes, prepared beforehand. */
export async function bareVerifyMs(receipts: ReceiptFile): Promise<number> {
  const key = publicKeyObject(fromBase64Url(receipts.keyId) as Uint8Array)
  const prepared = (await readFile(receipts.file, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const receipt = JSON.parse(line)
      return {message: receiptSigningBytes(receipt), sig: fromBase64Url(receipt.signature.sig) as Uint8Array}
    })
  const started = process.hrtime.bigint()
  let valid = 0
  for (const {message, sig} of prepared) if (nodeVerify(null, message, key, sig)) valid++
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (valid !== receipts.count) throw new Error(`bare loop: ${valid} of ${receipts.count} signatures valid`)
  return ms
}

export interface VerifyThroughput {
  receipts: number
  cliPerSec: number
  barePerSec: number
  /** cliPerSec / barePerSec; the target is at least 0.6. */
  ratio: number
}

/** Medians over `runs` interleaved runs of the CLI and the bare loop over one file of `count` receipts. */
export async function verifyThroughput(count: number, runs: number, workDir: string): Promise<VerifyThroughput> {
  const receipts = await writeReceiptFile(path.join(workDir, `receipts-${count}.jsonl`), count)
  const cli: number[] = []
  const bare: number[] = []
  for (let i = 0; i < runs; i++) {
    cli.push((await runVerify(receipts, workDir)).ms)
    bare.push(await bareVerifyMs(receipts))
  }
  const cliPerSec = count / (median(cli) / 1000)
  const barePerSec = count / (median(bare) / 1000)
  return {receipts: count, cliPerSec: Math.round(cliPerSec), barePerSec: Math.round(barePerSec), ratio: round(cliPerSec / barePerSec)}
}

export interface VerifyMemory {
  few: number
  many: number
  fewRssMb: number
  manyRssMb: number
  /** manyRssMb / fewRssMb; the target is at most 1.5. */
  ratio: number
}

/** Peak RSS of the CLI verifying `many` receipts against `few`, medians over `runs`. */
export async function verifyMemory(few: number, many: number, runs: number, workDir: string): Promise<VerifyMemory> {
  const small = await writeReceiptFile(path.join(workDir, `receipts-${few}.jsonl`), few)
  const large = await writeReceiptFile(path.join(workDir, `receipts-${many}.jsonl`), many)
  const fewRss: number[] = []
  const manyRss: number[] = []
  for (let i = 0; i < runs; i++) {
    fewRss.push((await runVerify(small, workDir)).maxRssMb)
    manyRss.push((await runVerify(large, workDir)).maxRssMb)
  }
  const fewRssMb = median(fewRss)
  const manyRssMb = median(manyRss)
  return {few, many, fewRssMb: round(fewRssMb, 1), manyRssMb: round(manyRssMb, 1), ratio: round(manyRssMb / fewRssMb)}
}

/** A file with one receipt and its key, for the cold-start row `aitbc receipts verify FILE --key K`. */
export function oneReceiptFile(workDir: string): Promise<ReceiptFile> {
  return writeReceiptFile(path.join(workDir, 'one-receipt.jsonl'), 1)
}

export const VERIFY_SIZES = {
  full: {throughput: 10_000, throughputRuns: 5, few: 1_000, many: 100_000, memoryRuns: 3},
  quick: {throughput: 50, throughputRuns: 1, few: 10, many: 100, memoryRuns: 1},
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!existsSync(path.join(ROOT, 'dist', 'commands', 'receipts', 'verify.js'))) throw new Error('Build the CLI first: npm run build')
  const sizes = process.argv.includes('--quick') ? VERIFY_SIZES.quick : VERIFY_SIZES.full
  const workDir = await mkdtemp(path.join(tmpdir(), 'aitbc-bench-verify-'))
  try {
    const throughput = await verifyThroughput(sizes.throughput, sizes.throughputRuns, workDir)
    const memory = await verifyMemory(sizes.few, sizes.many, sizes.memoryRuns, workDir)
    console.table([
      {figure: `receipts verify, ${throughput.receipts} receipts (receipts/s)`, value: throughput.cliPerSec, baseline: throughput.barePerSec, ratio: throughput.ratio, target: '>= 0.6'},
      {figure: `peak RSS verifying ${memory.many} receipts (MiB)`, value: memory.manyRssMb, baseline: memory.fewRssMb, ratio: memory.ratio, target: '<= 1.5'},
    ])
  } finally {
    await rm(workDir, {recursive: true, force: true})
  }
}
