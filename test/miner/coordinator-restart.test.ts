// The coordinator killed (SIGKILL) and restarted on the same data dir and port while a miner works:
// the miner backs off, carries on, and every submitted job completes exactly once.
// The lease is short on purpose: a claim the coordinator wrote but died before answering is the
// miner's to lose, and comes back to the queue only when its lease ends (as a visibility timeout does).
import assert from 'node:assert/strict'
import {test} from 'node:test'

import type {Job, Receipt} from '../../src/client/client.js'
import {requestJson} from '../helpers/server.js'
import {type CliProcess, jsonLines, startCli} from './cli-process.js'
import {getJob, initCoordinatorDir, submitJob, until} from './worker-helpers.js'

const MODEL = 'restart-model'
// Generous: on a loaded machine the whole test may take a minute, and a process killed by its limit
// must not be what fails it.
const PROCESS_LIMIT_MS = 180_000

async function startServe(dataDir: string, port: number): Promise<CliProcess> {
  const serve = startCli(['serve', '--data-dir', dataDir, '--port', String(port), '--lease-seconds', '20', '--block-interval', '0.2'], {}, PROCESS_LIMIT_MS)
  await serve.waitFor(/^listening on http:\/\/127\.0\.0\.1:\d+$/m, 'stdout')
  return serve
}

test('coordinator killed and restarted while a miner runs: every job completes, exactly once', async () => {
  const {dir, dataDir, port, coordinator} = await initCoordinatorDir('aitbc-restart-')

  let serve = await startServe(dataDir, port)
  const miner = startCli(
    ['miner', 'run', '--miner-id', 'steadfast', '--command', 'sleep 0.2; cat', '--model', MODEL, '--concurrency', '2', '--state-dir', dir, '--json'],
    {AITBC_URL: coordinator.url, AITBC_API_KEY: coordinator.minerKey},
    PROCESS_LIMIT_MS,
  )
  try {
    const ids: string[] = []
    for (let i = 0; i < 8; i++) ids.push(await submitJob(coordinator, `before the crash ${i}`, MODEL))
    await miner.waitFor(/"outcome":"completed"[\s\S]*"outcome":"completed"/, 'stdout')

    serve.child.kill('SIGKILL')
    await serve.exited
    await miner.waitFor(/"event":"warning","message":"cannot reach the coordinator/, 'stdout')
    serve = await startServe(dataDir, port)
    for (let i = 0; i < 4; i++) ids.push(await submitJob(coordinator, `after the restart ${i}`, MODEL))

    let last: Job[] = []
    const jobs = await until('every job to complete', async () => {
      last = await Promise.all(ids.map((id) => getJob(coordinator, id)))
      return last.every((job) => job.status === 'completed') && last
    }, 90_000).catch((error: Error) => {
      const stuck = last.filter((job) => job.status !== 'completed').map((job) => `${job.job_id} ${job.status}`)
      throw new Error(`${error.message}; not completed: ${stuck.join(', ')}\n--- miner stdout\n${miner.stdout()}--- serve stderr\n${serve.stderr()}`)
    })
    for (const job of jobs) assert.equal(job.result, job.prompt, `${job.job_id} holds its own result`)

    const receipts = (await requestJson<Receipt[]>(coordinator.url, '/v1/receipts?limit=100', {key: coordinator.adminKey})).body
    for (const id of ids) assert.equal(receipts.filter((receipt) => receipt.job_id === id).length, 1, `${id} has exactly one receipt`)

    miner.child.kill('SIGTERM')
    assert.equal(await miner.exited, 0, miner.stderr())
    const events = jsonLines(miner.stdout())
    assert.ok(events.some((event) => event.event === 'notice' && event.message === 'the coordinator answers again'))
    const completed = events.filter((event) => event.event === 'job' && event.outcome === 'completed').map((event) => event.job_id)
    assert.deepEqual([...completed].sort(), [...ids].sort(), 'the miner reports each job completed once')
  } finally {
    miner.child.kill('SIGKILL')
    serve.child.kill('SIGKILL')
    await Promise.all([miner.exited, serve.exited])
  }
})
