// A coordinator stand-in that stops itself (SIGSTOP) inside a transaction, as a replica frozen by its
// host would: `seal` leads block sealing, seals block 0, then on the line "go" on stdin seals again and
// stops inside the seal (past its fencing check); `change JOB_ID` stops inside a change of that job
// (holding its row lock). Once continued, it prints how the interrupted write ended.
import {createInterface} from 'node:readline'

import {Ed25519Signer, generateSeed} from '../../../src/protocol/ed25519.js'
import {sealBlock} from '../../../src/protocol/ledger.js'
import {PostgresStore} from '../../../src/server/store/postgres/postgres-store.js'

const [connectionString, schema, mode, jobId] = process.argv.slice(2)
const signer = new Ed25519Signer(generateSeed())
const store = await PostgresStore.open({connectionString, schema, retryMs: 100, leaderLeaseMs: 1000, transactionIdleMs: 1000})
const stop = () => process.kill(process.pid, 'SIGSTOP')
const say = (line: string) => process.stdout.write(`${line}\n`)

async function settle(write: () => Promise<unknown>): Promise<void> {
  try {
    say((await write()) === undefined ? 'refused' : 'written')
  } catch (error) {
    say(`failed: ${(error as Error).message}`)
  }
}

const lines = createInterface({input: process.stdin})
if (mode === 'seal') {
  const lead = store.leadBlockSealing()
  await new Promise<void>((resolve) => lead.onChange((isLeader) => isLeader && resolve()))
  await store.sealBlock(lead, (previous, txs) => sealBlock(previous, txs, new Date().toISOString(), signer))
  say('sealed 0')
  await new Promise((resolve) => lines.once('line', resolve))
  await settle(() => store.sealBlock(lead, (previous, txs) => (stop(), sealBlock(previous, txs, new Date().toISOString(), signer))))
} else {
  say('ready')
  await new Promise((resolve) => lines.once('line', resolve))
  await settle(() => store.changeJob(jobId, (current) => (stop(), {job: {...current, status: 'cancelled'}})))
}
setInterval(() => undefined, 60_000)
