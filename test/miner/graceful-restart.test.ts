// The one shutdown rule, end to end: `aitbc serve` stopped with a miner and a waiting client connected
// stops at once (idle keep-alive connections closed, long polls answered), and across its restart the
// miner says one line when it goes and one when it is back, and `jobs submit --wait` keeps waiting.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {runCommand} from '../helpers/run-command.js'
import {startTestServer} from '../helpers/server.js'
import {type CliProcess, jsonLines, startCli} from './cli-process.js'
import {getJob, initCoordinatorDir, submitJob, until} from './worker-helpers.js'

async function startServe(dataDir: string, port: number): Promise<CliProcess> {
  const serve = startCli(['serve', '--data-dir', dataDir, '--port', String(port), '--block-interval', '0.2'])
  await serve.waitFor(/^listening on http:\/\/127\.0\.0\.1:\d+$/m, 'stdout', 30_000)
  return serve
}

test('serve stops at once with a miner and a waiting client connected; both carry on quietly after its restart', async (t) => {
  const {dir, dataDir, port, coordinator} = await initCoordinatorDir('aitbc-graceful-')
  const minerEnv = {AITBC_URL: coordinator.url, AITBC_API_KEY: coordinator.minerKey}
  const minerArgs = (id: string, model: string, ...more: string[]) => ['miner', 'run', '--miner-id', id, '--command', 'cat', '--model', model, '--state-dir', dir, ...more]

  let serve = await startServe(dataDir, port)
  const miner = startCli([...minerArgs('steady', 'steady-model'), '--json'], minerEnv)
  // A job no miner serves yet: the client waits for it through the restart.
  const client = startCli(['jobs', 'submit', '--wait', '--model', 'later-model', 'across the restart'], {AITBC_URL: coordinator.url, AITBC_API_KEY: coordinator.clientKey})
  try {
    await miner.waitFor(/"event":"registered"/, 'stdout', 30_000)
    await client.waitFor(/^Submitted (job_\w+); waiting/m, 'stderr', 30_000)
    // Let the miner's long poll and the client's polls settle on their keep-alive connections.
    await new Promise((resolve) => setTimeout(resolve, 500))

    const stopping = performance.now()
    serve.child.kill('SIGTERM')
    assert.equal(await serve.exited, 0, serve.stderr())
    const stopMs = performance.now() - stopping
    t.diagnostic(`serve stopped ${Math.round(stopMs)} ms after SIGTERM`)
    assert.ok(stopMs < 3000, `serve took ${Math.round(stopMs)} ms to stop (the drain timeout is 10 s)`)

    await miner.waitFor(/"event":"warning","message":"cannot reach the coordinator/, 'stdout')
    serve = await startServe(dataDir, port)
    await miner.waitFor(/"message":"the coordinator answers again"/, 'stdout', 30_000)

    // A miner for the waiting client's model comes along after the restart (in this process: the
    // processes watched are the coordinator, the steady miner and the waiting client).
    const later = await runCommand(minerArgs('later', 'later-model', '--once'), {env: minerEnv})
    assert.equal(later.code, 0, later.stderr)
    assert.equal(await client.exited, 0, client.stderr())
    assert.equal(client.stdout(), 'across the restart')
    const id = /^Submitted (job_\w+)/m.exec(client.stderr())![1]
    await until('the job to be completed', async () => (await getJob(coordinator, id)).status === 'completed')

    miner.child.kill('SIGTERM')
    assert.equal(await miner.exited, 0, miner.stderr())
    const talk = jsonLines(miner.stdout()).filter((event) => event.event === 'warning' || (event.event === 'notice' && !/^stopping/.test(String(event.message))))
    assert.deepEqual(
      talk.map((event) => (event.event === 'warning' ? 'went away' : event.message)),
      ['went away', 'the coordinator answers again'],
      `one line when it goes, one when it is back:\n${miner.stdout()}`,
    )
  } finally {
    for (const proc of [miner, client, serve]) proc.child.kill('SIGKILL')
    await Promise.all([miner.exited, client.exited, serve.exited])
  }
})

test('jobs watch keeps waiting while the coordinator is away, up to --unreachable-timeout, then exits 6', async () => {
  const server = await startTestServer()
  const id = await submitJob(server, 'nobody serves this', 'absent-model')
  const watch = startCli(['jobs', 'watch', id, '--unreachable-timeout', '1', '--json'], {AITBC_URL: server.url, AITBC_API_KEY: server.clientKey}, 30_000)
  try {
    // It has found the job, then the coordinator goes away for good.
    await watch.waitFor(/"status": ?"pending"/, 'stdout', 30_000)
    await server.close()
    const gone = performance.now()
    assert.equal(await watch.exited, 6, watch.stderr())
    assert.ok(performance.now() - gone < 15_000)
    const error = jsonLines(watch.stdout()).at(-1)!.error as {message: string; exit_code: number}
    assert.match(error.message, /cannot reach the coordinator.*; gave up after 1 s without an answer \(--unreachable-timeout\)/)
    assert.equal(error.exit_code, 6)
  } finally {
    watch.child.kill('SIGKILL')
    await watch.exited
  }
})
