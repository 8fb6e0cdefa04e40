// Following a job's output (`jobs watch --stream`, `jobs submit --wait --stream`: GET /v1/jobs/{id}/stream)
// is held to the limits of every other request: the stream's headers must come within --request-timeout
// (not only after the --stream-idle-timeout of silence allowed between events), --timeout ends the wait
// with exit 8 on time even when the coordinator stops answering (the stream is left a moment before it,
// for one look at the job), and a stream that pours output without end, or one event without end, is
// left once it passes --max-answer-mib (the output so far is kept in memory to compare with the result).
// A stream silent past --stream-idle-timeout is left too; each limit's note names its flag, and the
// job's result follows.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {runCommand} from '../helpers/run-command.js'
import {type Behaviour, type HostileServer, jsonAnswer, pour, withServer} from './hostile-server.js'

const JOB = {job_id: 'job_1', prompt: 'p', model: 'm', params: {max_tokens: 1, temperature: 0, top_p: 1}, client: 'c', attempts: 1, created_at: '2026-01-01T00:00:00Z'}
const DONE = {...JOB, status: 'completed', result: 'done\n', miner_id: 'm1'}
const RUNNING = {...JOB, status: 'running', miner_id: 'm1'}

const isStream = (path: string) => path.endsWith('/stream')

/** The stream's headers, then nothing. */
const streamHeadersOnly: Behaviour = (_req, res) => void res.writeHead(200, {'content-type': 'text/event-stream'}).flushHeaders()

async function timed(server: HostileServer, args: string[], env: Record<string, string> = {}) {
  const result = await runCommand(args, {env: {AITBC_URL: server.url, AITBC_API_KEY: 'aitbc_not-a-real-key-000000', ...env}})
  const ended = Date.now()
  const first = server.seen[0]?.at ?? assert.fail(`the server saw no request\n${result.stderr}`)
  return {...result, seconds: (ended - first) / 1000}
}

describe('following a job\'s output on a hostile coordinator', {concurrency: 4}, () => {
  it('a stream whose headers never come is left after --request-timeout, and the job\'s result follows', async () => {
    await withServer(
      (request) => (isStream(request.path) ? 'silent' : jsonAnswer(200, DONE)),
      async (server) => {
        const result = await timed(server, ['jobs', 'watch', 'job_1', '--stream'], {AITBC_REQUEST_TIMEOUT: '1'})
        assert.equal(result.code, 0, result.stderr)
        assert.equal(result.stdout, 'done\n')
        assert.ok(result.seconds <= 1 + 2, `took ${result.seconds} s`)
      },
    )
  })

  for (const [what, look] of [
    ['answers no more', 'silent'],
    ['says the job still runs', jsonAnswer(200, RUNNING)],
  ] as const) {
    // The bound: the timeout (the stream is left early for the last look at the job) and 2 s for a loaded machine (the old code took 31 s).
    it(`--timeout 1 while the stream is silent and the coordinator ${what}: exit 8 within 2 s of the timeout`, async () => {
      await withServer(
        (request) => (isStream(request.path) ? streamHeadersOnly : look),
        async (server) => {
          const result = await timed(server, ['jobs', 'watch', 'job_1', '--stream', '--timeout', '1'])
          assert.equal(result.code, 8, result.stderr)
          // The last look may itself be cut on a loaded machine: the state stays, "not answering" may follow.
          assert.match(result.stderr, look === 'silent' ? /Timed out after 1 s waiting for job job_1; the coordinator at \S+ was not answering \(no answer\)\./ : /Timed out after 1 s waiting for job job_1 \(still running\)/)
          assert.ok(result.seconds <= 1 + 2, `took ${result.seconds} s`)
        },
      )
    })
  }

  it('jobs submit --wait --stream: output without end is left past --max-answer-mib, and the result follows', async () => {
    const POURED = 100 * 1024 * 1024
    const written = {bytes: 0}
    const event = `event: output\ndata: ${JSON.stringify({text: 'x'.repeat(60_000)})}\n\n`
    await withServer(
      (request) => (request.method === 'POST' ? jsonAnswer(201, {...JOB, status: 'pending'}) : isStream(request.path) ? (_req, res) => void (res.writeHead(200, {'content-type': 'text/event-stream'}), pour(res, '', event, POURED, written)) : jsonAnswer(200, DONE)),
      async (server) => {
        const result = await timed(server, ['jobs', 'submit', '--wait', '--stream', '--max-answer-mib', '1', 'hi'])
        assert.equal(result.code, 0, result.stderr)
        assert.ok(result.stdout.endsWith('done\n'), result.stdout.slice(-100))
        assert.match(result.stderr, /the output passed --max-answer-mib/)
        assert.ok(result.stdout.length < 2 * 1024 * 1024, `stdout has ${result.stdout.length} characters`)
        assert.ok(written.bytes < POURED / 2, `the server wrote ${written.bytes} bytes before the CLI left the stream`)
      },
    )
  })

  it('jobs submit --wait --stream: one event without end is left past --max-answer-mib, and the result follows', async () => {
    const POURED = 100 * 1024 * 1024
    const written = {bytes: 0}
    await withServer(
      (request) => (request.method === 'POST' ? jsonAnswer(201, {...JOB, status: 'pending'}) : isStream(request.path) ? (_req, res) => void (res.writeHead(200, {'content-type': 'text/event-stream'}), pour(res, 'event: output\ndata: {"text": "', 'x'.repeat(1000), POURED, written)) : jsonAnswer(200, DONE)),
      async (server) => {
        const result = await timed(server, ['jobs', 'submit', '--wait', '--stream', '--max-answer-mib', '1', 'hi'])
        assert.equal(result.code, 0, result.stderr)
        assert.equal(result.stdout, 'done\n')
        assert.match(result.stderr, /the output passed --max-answer-mib/)
        assert.ok(written.bytes < POURED / 2, `the server wrote ${written.bytes} bytes before the CLI left the stream`)
      },
    )
  })
})

describe('a silent output stream is left after --stream-idle-timeout', {concurrency: 3}, () => {
  const silentNote = /\(the output stream was silent for 0\.3 s, --stream-idle-timeout; following the job without it\)/
  for (const args of [
    ['jobs', 'watch', 'job_1', '--stream', '--stream-idle-timeout', '0.3'],
    ['jobs', 'submit', '--wait', '--stream', '--stream-idle-timeout', '0.3', 'hi'],
  ]) {
    it(`${args.slice(0, 2).join(' ')}: headers, then nothing: a note naming the flag, then the result (exit 0)`, async () => {
      await withServer(
        (request) => (request.method === 'POST' ? jsonAnswer(201, {...JOB, status: 'pending'}) : isStream(request.path) ? streamHeadersOnly : jsonAnswer(200, DONE)),
        async (server) => {
          const result = await timed(server, args)
          assert.equal(result.code, 0, result.stderr)
          assert.equal(result.stdout, 'done\n')
          assert.match(result.stderr, silentNote)
          // The silence, then one look at the job; far below the default 45 s.
          assert.ok(result.seconds < 0.3 + 3, `took ${result.seconds} s`)
        },
      )
    })
  }

  it('keep-alive comments are not silence: a stream that sends only them past the limit is followed to its end', async () => {
    const streamOfKeepAlives: Behaviour = (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'})
      res.write(`event: output\ndata: ${JSON.stringify({text: 'do'})}\n\n`)
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 100)
      setTimeout(() => {
        clearInterval(keepAlive)
        res.end(`event: output\ndata: ${JSON.stringify({text: 'ne\n'})}\n\nevent: end\ndata: ${JSON.stringify({status: 'completed'})}\n\n`)
      }, 900)
    }
    await withServer(
      (request) => (isStream(request.path) ? streamOfKeepAlives : jsonAnswer(200, DONE)),
      async (server) => {
        const result = await timed(server, ['jobs', 'watch', 'job_1', '--stream', '--stream-idle-timeout', '0.3'])
        assert.equal(result.code, 0, result.stderr)
        assert.equal(result.stdout, 'done\n')
        assert.doesNotMatch(result.stderr, /silent/)
        assert.ok(result.seconds >= 0.9, `left the stream after ${result.seconds} s`)
      },
    )
  })
})
