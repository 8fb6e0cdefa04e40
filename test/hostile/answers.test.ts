// What comes back is checked before a command believes it: no redirect is followed (the key stays
// with its origin), answers are bounded while they stream, error texts are cut, an answer that is not
// JSON or not the contract's is reported as such (exit 6), and a URL is checked wherever it comes from.
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {type CliResult, runCli, tempConfigDir} from '../helpers/cli.js'
import {runCommand} from '../helpers/run-command.js'
import {answer, type HostileServer, jsonAnswer, startHostileServer, withServer} from './hostile-server.js'

const KEY = 'aitbc_secret-key-of-the-test-0000000000'

/** The command in this process (test/helpers/run-command.ts): the client code is the same as the binary's. */
function run(server: HostileServer | string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const url = typeof server === 'string' ? server : server.url
  return runCommand(args, {env: {AITBC_URL: url, AITBC_API_KEY: KEY, AITBC_REQUEST_TIMEOUT: '20', ...env}})
}

function assertExit(result: CliResult, code: number): void {
  assert.equal(result.code, code, `expected exit ${code}, got ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)
  assert.doesNotMatch(result.stderr, /bug in aitbc/)
}

describe('redirects', {concurrency: 2}, () => {
  let elsewhere: HostileServer
  before(async () => {
    elsewhere = await startHostileServer(() => jsonAnswer(200, []))
  })
  after(() => elsewhere.close())

  for (const status of [301, 302, 307, 308]) {
    it(`a ${status} to another origin is not followed: the key never leaves, the error says where it pointed`, async () => {
      const target = `${elsewhere.url}/v1/jobs?limit=20`
      await withServer(
        () => (_req, res) => void res.writeHead(status, {location: target}).end(),
        async (server) => {
          const result = await run(server, ['jobs', 'list'])
          assertExit(result, 6)
          assert.ok(result.stderr.includes(`redirected GET /v1/jobs to ${target}`), result.stderr)
          assert.match(result.stderr, /follows no redirects, so the API key was not sent there/)
          assert.equal(elsewhere.seen.length, 0, 'the other origin was asked')
          assert.ok(!result.stdout.includes(KEY) && !result.stderr.includes(KEY))
        },
      )
    })
  }

  it('a redirect whose Location is not a URL: exit 6 quoting it, not a crash', async () => {
    await withServer(
      () => (_req, res) => void res.writeHead(302, {location: `http://[::1${'x'.repeat(5000)}`}).end(),
      async (server) => {
        const result = await run(server, ['health'])
        assertExit(result, 6)
        assert.ok(result.stderr.includes('redirected GET /health to "http://[::1xxx'), result.stderr)
        assert.ok(result.stderr.length < 1000, `stderr has ${result.stderr.length} characters`)
      },
    )
  })

  it('a redirect within the same origin is not followed either', async () => {
    await withServer(
      (request) => (request.path === '/health' ? (_req, res) => void res.writeHead(302, {location: '/elsewhere'}).end() : jsonAnswer(200, {status: 'ok', version: 'x'})),
      async (server) => {
        const result = await run(server, ['health'])
        assertExit(result, 6)
        assert.equal(server.seen.length, 1)
        assert.ok(result.stderr.includes(`redirected GET /health to ${server.url}/elsewhere`), result.stderr)
      },
    )
  })
})

describe('bounded answers', {concurrency: 3}, () => {
  it('an endless answer is refused once it passes --max-answer-mib, while it streams', async () => {
    await withServer(
      () => (_req, res) => {
        res.writeHead(200, {'content-type': 'application/json'})
        res.write('[')
        const chunk = `${JSON.stringify('x'.repeat(64 * 1024))},`
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump)
        }
        pump()
      },
      async (server) => {
        const result = await run(server, ['jobs', 'list', '--max-answer-mib', '1'])
        assertExit(result, 6)
        assert.match(result.stderr, /sent an answer larger than 1 MiB \(--max-answer-mib raises the limit\)/)
      },
    )
  })

  it('an answer that declares a length over the limit is refused before its body', async () => {
    await withServer(
      () => (_req, res) => void res.writeHead(200, {'content-type': 'application/json', 'content-length': String(65 * 1024 * 1024)}).flushHeaders(),
      async (server) => {
        const result = await run(server, ['health'])
        assertExit(result, 6)
        assert.match(result.stderr, /larger than 64 MiB/)
      },
    )
  })

  // A megabyte or so: the cut is at 1000 characters, and the count still needs two separators. The
  // test below is the one about size.
  it('a 1.2 MB error message is cut to a readable length', async () => {
    await withServer(
      () => jsonAnswer(400, {detail: `bad: ${'blah '.repeat(240_000)}`, error_code: 'validation_failed'}),
      async (server) => {
        const result = await run(server, ['jobs', 'list'])
        assertExit(result, 2)
        assert.ok(result.stderr.length < 2000, `stderr has ${result.stderr.length} characters`)
        assert.match(result.stderr, /… \(1,199,0\d\d more characters\)/)
        const json = await run(server, ['jobs', 'list', '--json'])
        assert.ok(json.stdout.length < 2000, `--json has ${json.stdout.length} characters`)
      },
    )
  })

  it('a 50 MB error message (within the answer limit) is cut in little memory: the binary in a 200 MB heap', async () => {
    await withServer(
      () => jsonAnswer(400, {detail: 'bad '.repeat(12_500_000), error_code: 'validation_failed'}),
      async (server) => {
        // Spreading the message into its characters to cut it took 1.5 GB and 20 s.
        const result = await runCli(['jobs', 'list'], {env: {AITBC_URL: server.url, AITBC_API_KEY: KEY, AITBC_REQUEST_TIMEOUT: '60', NODE_OPTIONS: '--max-old-space-size=200'}})
        assertExit(result, 2)
        assert.match(result.stderr, /^Error: bad bad .*… \(49,999,0\d\d more characters\)$/m)
        assert.ok(result.stderr.length < 2000, `stderr has ${result.stderr.length} characters`)
      },
    )
  })
})

describe('answers that are not the AITBC API', {concurrency: 3}, () => {
  it('a proxy error page: "answered HTTP 502 with text/html, not the AITBC API", exit 6', async () => {
    await withServer(
      () => answer(502, 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>'),
      async (server) => {
        const result = await run(server, ['jobs', 'list'])
        assertExit(result, 6)
        assert.ok(result.stderr.includes(`the server at ${server.url} answered HTTP 502 with text/html, not the AITBC API`), result.stderr)
        assert.doesNotMatch(result.stderr, /<html>/)
      },
    )
  })

  it('an ordinary web server (200 text/html) is not taken for a coordinator', async () => {
    await withServer(
      () => answer(200, 'text/html; charset=utf-8', '<!doctype html><title>Welcome</title>'),
      async (server) => {
        const result = await run(server, ['health'])
        assertExit(result, 6)
        assert.match(result.stderr, /answered HTTP 200 with text\/html, not the AITBC API/)
        assert.doesNotMatch(result.stderr, /Unexpected token/)
      },
    )
  })

  it('JSON that does not parse', async () => {
    await withServer(
      () => answer(200, 'application/json', '{"status": "ok", '),
      async (server) => {
        const result = await run(server, ['health'])
        assertExit(result, 6)
        assert.match(result.stderr, /answered HTTP 200 with JSON that does not parse/)
      },
    )
  })

  it('{"ok":true} to everything: health and jobs submit say the server does not speak the API, exit 6, print nothing', async () => {
    await withServer(
      () => jsonAnswer(200, {ok: true}),
      async (server) => {
        const health = await run(server, ['health'])
        assertExit(health, 6)
        assert.equal(health.stdout, '')
        assert.ok(health.stderr.includes(`the server at ${server.url} does not speak the AITBC API (GET /health: the answer must have required property 'status')`), health.stderr)

        const submit = await run(server, ['jobs', 'submit', 'Say hi'])
        assertExit(submit, 6)
        assert.equal(submit.stdout, '')
        assert.match(submit.stderr, /does not speak the AITBC API \(POST \/v1\/jobs answered HTTP 200, which the contract does not define\)/)

        const json = await run(server, ['health', '--json'])
        assertExit(json, 6)
        assert.equal(JSON.parse(json.stdout).error.code, 'bad_answer')
      },
    )
  })

  it('a job whose status is not one of the contract', async () => {
    const job = {job_id: 'job_1', status: 'exploded', prompt: 'p', model: 'm', params: {max_tokens: 1, temperature: 0, top_p: 1}, client: 'c', attempts: 0, created_at: '2026-01-01T00:00:00Z'}
    await withServer(
      () => jsonAnswer(200, job),
      async (server) => {
        const result = await run(server, ['jobs', 'get', 'job_1'])
        assertExit(result, 6)
        assert.match(result.stderr, /GET \/v1\/jobs\/\{job_id\}: field status must be equal to one of the allowed values/)
      },
    )
  })

  it('miner doctor: a coordinator that answers /health, then not as the contract says, is a FAIL line; the other checks still run', async () => {
    await withServer(
      (request) => (request.path === '/health' ? jsonAnswer(200, {status: 'ok', version: '1'}) : jsonAnswer(200, {ok: true})),
      async (server) => {
        const result = await run(server, ['miner', 'doctor', '--miner-id', 'm1', '--command', 'cat', '--model', 'x'])
        assertExit(result, 1)
        assert.match(result.stdout, /^FAIL +miner key +the server at \S+ does not speak the AITBC API \(GET \/v1\/jobs\/available: /m)
        assert.match(result.stdout, /^ok +backend /m)
      },
    )
  })

  it('an error answer that is not {detail, error_code}', async () => {
    await withServer(
      () => jsonAnswer(404, {message: 'Not Found'}),
      async (server) => {
        const result = await run(server, ['jobs', 'get', 'job_1'])
        assertExit(result, 6)
        assert.match(result.stderr, /does not speak the AITBC API/)
      },
    )
  })
})

describe('URLs are checked wherever they come from', {concurrency: 4}, () => {
  const SCHEMELESS = 'Error: Not a URL: 127.0.0.1:8001'

  it('config set url refuses a URL without a scheme (the reference message)', async () => {
    const result = await runCommand(['config', 'set', 'url', '127.0.0.1:8001'])
    assertExit(result, 2)
    assert.ok(result.stderr.includes(SCHEMELESS), result.stderr)
  })

  it('--url without a scheme: the same message, exit 2', async () => {
    const result = await runCommand(['health', '--url', '127.0.0.1:8001'])
    assertExit(result, 2)
    assert.ok(result.stderr.includes(SCHEMELESS), result.stderr)
  })

  it('AITBC_URL with another scheme: exit 2', async () => {
    const result = await runCommand(['health'], {env: {AITBC_URL: 'ftp://127.0.0.1:8001'}})
    assertExit(result, 2)
    assert.match(result.stderr, /The URL must start with http:\/\/ or https:\/\/, not ftp:\/\//)
  })

  it('a profile holding a URL without a scheme: the same message, exit 2', async () => {
    const configDir = tempConfigDir()
    writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({profiles: {default: {url: '127.0.0.1:8001'}}}))
    const result = await runCommand(['jobs', 'list'], {env: {AITBC_CONFIG_DIR: configDir}})
    assertExit(result, 2)
    assert.ok(result.stderr.includes(SCHEMELESS), result.stderr)
  })
})
