#!/usr/bin/env node
// `npm run demo`: the whole AITBC flow on this machine, loopback only, with the built CLI (bin/run.js)
// run exactly as a user would run it. Everything lives in a temporary directory that is removed at
// the end; your own aitbc config and data are not touched.
//
//   1. a coordinator (`aitbc serve`) on a fresh data dir and a free port
//   2. its signing key pinned in a throwaway profile (`aitbc keys trust --from-coordinator`)
//   3. a miner (`aitbc miner run`) on the command backend, running demo/echo-model.js — a tiny
//      deterministic text program standing in for a model. It is a demo backend, not AI.
//   4. a job submitted and waited for (`aitbc jobs submit --wait`), its result printed
//   5. its receipt fetched and verified offline against the pinned key, with the prompt and result
//   6. the coordinator's chain verified (`aitbc explorer verify`)
//   7. miner and coordinator stopped cleanly (SIGTERM, exit 0 each)
//
// Exits 0 when every step passed, 1 otherwise (saying which step failed and what it printed).
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(REPO, 'bin', 'run.js')
const MODEL = 'demo-echo'
const PROMPT = 'Submit a job, let a miner run it, get a signed receipt, verify it yourself.'
const STEP_TIMEOUT_MS = 60_000

const work = mkdtempSync(path.join(tmpdir(), 'aitbc-demo-'))
/** Every CLI run gets this environment: a private config dir, and none of the caller's AITBC_* settings. */
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AITBC_')))
Object.assign(baseEnv, {AITBC_CONFIG_DIR: path.join(work, 'config'), NO_COLOR: '1'})
const secrets = []
const running = []

class StepFailed extends Error {}

function show(args) {
  let text = args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`)).join(' ')
  for (const [secret, name] of secrets) text = text.replaceAll(secret, name)
  console.log(`  $ aitbc ${text}`)
}

function indent(text) {
  return text.trimEnd().split('\n').map((line) => `    ${line}`).join('\n')
}

/** Runs the CLI to its end; a non-zero exit fails the step with what it printed. */
function aitbc(args, {env = {}, quiet = false} = {}) {
  if (!quiet) show(args)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {cwd: REPO, env: {...baseEnv, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) return resolve({stdout, stderr})
      reject(new StepFailed(`aitbc ${args[0]} ${args[1] ?? ''} exited with ${code ?? signal}:\n${indent(stderr || stdout)}`))
    })
  })
}

/** Starts a long-running CLI command (serve, miner run); resolves once `ready` appears on `stream`. */
function startAitbc(name, args, {env = {}, ready, stream}) {
  show(args)
  const child = spawn(process.execPath, [BIN, ...args], {cwd: REPO, env: {...baseEnv, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
  const output = {stdout: '', stderr: ''}
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)))
  const process_ = {name, child, output, exited}
  running.push(process_)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new StepFailed(`${name} did not start within ${STEP_TIMEOUT_MS / 1000} s:\n${indent(output.stderr)}`)), STEP_TIMEOUT_MS)
    const check = () => {
      const match = output[stream].match(ready)
      if (!match) return
      clearTimeout(timer)
      resolve({...process_, match})
    }
    for (const key of ['stdout', 'stderr']) {
      child[key].setEncoding('utf8').on('data', (chunk) => {
        output[key] += chunk
        check()
      })
    }
    exited.then((code) => {
      clearTimeout(timer)
      reject(new StepFailed(`${name} exited with ${code} before it was ready:\n${indent(output.stderr || output.stdout)}`))
    })
  })
}

/** SIGTERM, then the exit code it ends with (SIGKILL after the step timeout). */
async function stop(process_) {
  process_.child.kill('SIGTERM')
  const timer = setTimeout(() => process_.child.kill('SIGKILL'), STEP_TIMEOUT_MS)
  const code = await process_.exited
  clearTimeout(timer)
  running.splice(running.indexOf(process_), 1)
  return code
}

/**
 * Waits until the block sealer has put the receipt's ledger transaction in a block. Asked over HTTP
 * (the public GET /explorer/transactions that `aitbc explorer transactions` shows): a wait, not a step
 * of the demo, so no CLI process per look.
 */
async function sealed(url, receiptId) {
  const deadline = Date.now() + STEP_TIMEOUT_MS
  for (;;) {
    const answer = await fetch(`${url}/explorer/transactions`, {signal: AbortSignal.timeout(STEP_TIMEOUT_MS)})
    if (!answer.ok) throw new StepFailed(`GET /explorer/transactions answered ${answer.status}: ${await answer.text()}`)
    const transactions = await answer.json()
    const issued = transactions.find((tx) => tx.type === 'receipt_issued' && tx.data.receipt_id === receiptId)
    if (issued && issued.block_height !== null && issued.block_height !== undefined) return
    if (Date.now() > deadline) throw new StepFailed(`the receipt's transaction was not sealed in a block within ${STEP_TIMEOUT_MS / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

async function demo() {
  console.log('AITBC demo: coordinator, miner and client on this machine (loopback only).')
  console.log(`Working directory: ${work} (removed at the end)\n`)

  console.log('1. Start a coordinator on a fresh data directory and a free port')
  const dataDir = path.join(work, 'coordinator')
  const init = JSON.parse((await aitbc(['serve', 'init', '--data-dir', dataDir, '--json'])).stdout)
  secrets.push([init.admin_key, '$ADMIN_KEY'], [init.client_key, '$CLIENT_KEY'], [init.miner_key, '$MINER_KEY'])
  console.log(`  created keys for admin, client and miner; signing key ${init.key_id}`)
  const serve = await startAitbc('the coordinator', ['serve', '--data-dir', dataDir, '--port', '0', '--block-interval', '0.5'], {
    ready: /^listening on (http:\/\/\S+)$/m,
    stream: 'stdout',
  })
  const url = serve.match[1]
  console.log(`  listening on ${url}\n`)
  const asClient = {AITBC_URL: url, AITBC_API_KEY: init.client_key}

  console.log("2. Pin the coordinator's signing key (trust on first use, in a throwaway profile)")
  await aitbc(['keys', 'trust', '--from-coordinator', '--yes', '--url', url])
  const pinned = (await aitbc(['keys', 'list', '--json'], {quiet: true})).stdout
  if (!pinned.includes(init.key_id)) throw new StepFailed(`the pinned keys do not include ${init.key_id}:\n${indent(pinned)}`)
  console.log(`  pinned ${init.key_id}\n`)

  console.log('3. Start a miner on the command backend: demo/echo-model.js (a demo program, not AI)')
  const miner = await startAitbc(
    'the miner',
    ['miner', 'run', '--miner-id', 'demo-miner', '--backend', 'command', '--command', 'node demo/echo-model.js', '--model', MODEL, '--state-dir', path.join(work, 'miner')],
    {env: {AITBC_URL: url, AITBC_API_KEY: init.miner_key}, ready: /^miner demo-miner registered at .*$/m, stream: 'stderr'},
  )
  console.log(`  ${miner.match[0]}\n`)

  console.log('4. Submit a job and wait for its result')
  const job = JSON.parse((await aitbc(['jobs', 'submit', '--wait', '--timeout', '60', '--model', MODEL, '--json', PROMPT], {env: asClient})).stdout)
  if (job.status !== 'completed' || !job.receipt_id) throw new StepFailed(`the job ended ${job.status}: ${job.error ?? 'no receipt'}`)
  console.log(`  ${job.job_id} completed by ${job.miner_id}. Result:\n`)
  console.log(indent(job.result))
  console.log()

  console.log('5. Verify its receipt offline against the pinned key, with the prompt sent and the result received')
  const receiptFile = path.join(work, 'receipt.json')
  const promptFile = path.join(work, 'prompt.txt')
  const resultFile = path.join(work, 'result.txt')
  writeFileSync(receiptFile, (await aitbc(['receipts', 'get', job.receipt_id, '--json'], {env: asClient})).stdout)
  writeFileSync(promptFile, PROMPT)
  writeFileSync(resultFile, job.result)
  console.log(indent((await aitbc(['receipts', 'verify', receiptFile, '--prompt', promptFile, '--result', resultFile])).stdout))
  console.log()

  console.log("6. Verify the coordinator's chain: every block hash, Merkle root, link and signature")
  await sealed(url, job.receipt_id)
  const chain = await aitbc(['explorer', 'verify', '--url', url])
  console.log(indent(chain.stdout || chain.stderr))
  console.log()

  console.log('7. Stop the miner and the coordinator')
  const minerExit = await stop(miner)
  if (minerExit !== 0) throw new StepFailed(`the miner exited with ${minerExit}:\n${indent(miner.output.stderr)}`)
  console.log(`  ${miner.output.stderr.trim().split('\n').at(-1)}`)
  const serveExit = await stop(serve)
  if (serveExit !== 0) throw new StepFailed(`the coordinator exited with ${serveExit}:\n${indent(serve.output.stderr)}`)
  console.log('  coordinator stopped\n')

  console.log('Demo complete: a job was mined, its receipt and the chain verified against the pinned key.')
  console.log("Next: point the same miner at a real model, e.g. Ollama — see the README's miner section.")
}

/** Ctrl-C (or SIGTERM) mid-demo: stop what runs and remove the working directory, keys included. */
function interrupted(signal) {
  for (const process_ of running) process_.child.kill('SIGKILL')
  rmSync(work, {recursive: true, force: true})
  console.error(`\nDemo interrupted (${signal}); ${work} removed.`)
  process.exit(signal === 'SIGINT' ? 130 : 143)
}
process.once('SIGINT', interrupted).once('SIGTERM', interrupted)

let exitCode = 0
try {
  await demo()
} catch (error) {
  exitCode = 1
  console.error(`\nDemo FAILED: ${error instanceof StepFailed ? error.message : (error?.stack ?? error)}`)
} finally {
  for (const process_ of running) process_.child.kill('SIGKILL')
  await Promise.all(running.map((process_) => process_.exited))
  rmSync(work, {recursive: true, force: true})
}
process.exit(exitCode)
