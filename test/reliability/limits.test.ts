// Limits: body size (413), prompt size (413), per-key rate limiting (429 with Retry-After), and HTTP
// timeouts against slow clients — headers that trickle in, a body that never finishes, idle connections —
// while a long poll, which is slow on the server's side, is left alone. Then the same settings as
// `aitbc serve` flags.
import assert from 'node:assert/strict'
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {initDataDir} from '../../src/server/data-dir.js'
import {RateLimiter} from '../../src/server/http/rate-limit.js'
import {requestJson, startTestServer, type TestServer} from '../helpers/server.js'
import {assertError, register} from '../server/fixtures.js'
import {assertBuilt, refusedRun, startServe} from '../server/serve-process.js'
import {exchange, rawRequest, requestBytes, type RawResponse} from './raw-http.js'

/** How long a slow client may hold a connection here before the test calls it a failure (a bound, not a timing). */
const CUT_OFF_BOUND_MS = 10_000

function jobCount(server: TestServer): Promise<number> {
  return server.app.coordinator.store.jobCount()
}

/** A cut-off connection may carry the server's answer; when it does, it is the documented 408. */
function assertCutOff(res: RawResponse): void {
  if (res.status === 0) return
  assert.equal(res.status, 408, res.text)
  assert.equal((res.body as {error_code: string}).error_code, 'request_timeout')
}

describe('body and prompt size', () => {
  let server: TestServer
  before(async () => (server = await startTestServer({config: {bodyLimitBytes: 4096, maxPromptBytes: 100}})))
  after(() => server.close())

  it('a body over the limit is 413 JSON, declared or streamed, and creates nothing', async () => {
    const jobs = (await jobCount(server))
    const big = JSON.stringify({prompt: 'x'.repeat(5000)})
    assertError(await server.request('/v1/jobs', {key: server.clientKey, body: big}), 413, 'payload_too_large', /4096 bytes/)
    const streamed = await rawRequest(server.url, {
      method: 'POST', target: '/v1/jobs', contentLength: false,
      headers: [['X-Api-Key', server.clientKey], ['Transfer-Encoding', 'chunked']],
      body: `${Buffer.byteLength(big).toString(16)}\r\n${big}\r\n0\r\n\r\n`,
    })
    assert.equal(streamed.status, 413)
    assert.equal((await jobCount(server)), jobs)
  })

  it('a prompt over --max-prompt-bytes is 413 naming the prompt; one at the limit is accepted', async () => {
    const jobs = (await jobCount(server))
    // 'é' is two bytes: 51 of them are 102 bytes, over a limit of 100 that 51 characters would not reach.
    assertError(await server.request('/v1/jobs', {key: server.clientKey, body: {prompt: 'é'.repeat(51)}}), 413, 'payload_too_large', /prompt is 102 bytes.*limit of 100 bytes/)
    assert.equal((await jobCount(server)), jobs)
    assert.equal((await server.request('/v1/jobs', {key: server.clientKey, body: {prompt: 'é'.repeat(50)}})).status, 201)
  })
})

describe('rate limiting per key', () => {
  it('the token bucket: a burst, then one request per 1/rate seconds, and Retry-After says when', () => {
    let now = 0
    const limiter = new RateLimiter(2, 3, () => now)
    for (let i = 0; i < 3; i++) limiter.take('alice')
    assert.throws(() => limiter.take('alice'), (error: {status: number; headers: Record<string, string>}) => error.status === 429 && error.headers['Retry-After'] === '1')
    limiter.take('bob')
    now += 499
    assert.throws(() => limiter.take('alice'))
    now += 1
    limiter.take('alice')
    now += 10_000
    for (let i = 0; i < 3; i++) limiter.take('alice')
    assert.throws(() => limiter.take('alice'), 'the bucket holds at most the burst')
    assert.equal(RateLimiter.fromConfig({rateLimitPerSecond: 0}), undefined)
    // Without a burst setting, twice the rate.
    const byDefault = RateLimiter.fromConfig({rateLimitPerSecond: 2})!
    for (let i = 0; i < 4; i++) byDefault.take('carol')
    assert.throws(() => byDefault.take('carol'))
  })

  it('over the limit a key gets 429 with Retry-After, others go on, and nothing is created', async () => {
    // One token per 10 s after a burst of 3: the fourth request comes well before the next token.
    const server = await startTestServer({config: {rateLimitPerSecond: 0.1, rateLimitBurst: 3}})
    try {
      await register(server, 'rig', ['llama3.2'])
      for (let i = 0; i < 3; i++) assert.equal((await server.request('/v1/jobs', {key: server.clientKey})).status, 200)
      const jobs = (await jobCount(server))
      const limited = await server.request('/v1/jobs', {key: server.clientKey, body: {prompt: 'one too many'}})
      assertError(limited, 429, 'rate_limited', /limit is 0\.1 per second/)
      const retryAfter = Number(limited.headers.get('retry-after'))
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 10, `Retry-After: ${retryAfter}`)
      assert.equal((await jobCount(server)), jobs)
      // Other keys have their own buckets; requests without a key (public ones) have one per client address.
      assert.equal((await server.request('/v1/jobs/available?miner_id=rig', {key: server.minerKey})).status, 200)
      assert.equal((await server.request('/v1/admin/keys', {key: server.adminKey})).status, 200)
      for (let i = 0; i < 3; i++) assert.equal((await server.request('/explorer/stats')).status, 200)
      assertError(await server.request('/explorer/blocks/0'), 429, 'rate_limited', /client address 127\.0\.0\.1/)
    } finally {
      await server.close()
    }
  })

  it('is off unless configured: 150 requests in a burst from one key are all answered', async () => {
    const server = await startTestServer()
    try {
      const statuses = await Promise.all(Array.from({length: 150}, () => server.request('/v1/jobs', {key: server.clientKey}).then((res) => res.status)))
      assert.deepEqual([...new Set(statuses)], [200])
    } finally {
      await server.close()
    }
  })
})

describe('slow clients are cut off', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({config: {headersTimeoutSeconds: 1, requestTimeoutSeconds: 2, keepAliveTimeoutSeconds: 1}})
    await register(server, 'rig', ['llama3.2'])
  })
  after(() => server.close())

  it('a client that sends its headers a byte at a time', async () => {
    const head = requestBytes({target: '/health', headers: [['X-Padding', 'x'.repeat(500)]]})
    let timer: NodeJS.Timeout | undefined
    const res = await exchange(server.url, (socket) => {
      let sent = 0
      timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(head.subarray(sent, ++sent))), 50)
    }, CUT_OFF_BOUND_MS)
    clearInterval(timer)
    assertCutOff(res)
  })

  it('a client that connects and sends nothing', async () => {
    assertCutOff(await exchange(server.url, () => undefined, CUT_OFF_BOUND_MS))
  })

  it('a client that never finishes its body, or trickles it, changes nothing', async () => {
    const jobs = (await jobCount(server))
    const body = JSON.stringify({prompt: 'never finished'})
    const start = requestBytes({method: 'POST', target: '/v1/jobs', headers: [['X-Api-Key', server.clientKey], ['Content-Length', '1000']], contentLength: false})
    assertCutOff(await exchange(server.url, (socket) => socket.write(Buffer.concat([start, Buffer.from(body.slice(0, 10))])), CUT_OFF_BOUND_MS))
    let timer: NodeJS.Timeout | undefined
    const trickled = await exchange(server.url, (socket) => {
      socket.write(start)
      timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(' ')), 100)
    }, CUT_OFF_BOUND_MS)
    clearInterval(timer)
    assertCutOff(trickled)
    assert.equal((await jobCount(server)), jobs)
    assert.deepEqual(server.logs, [], 'a cut-off request is not a server error')
  })

  it('an idle keep-alive connection is closed after its request was answered', async () => {
    const res = await exchange(server.url, (socket) => socket.write(requestBytes({target: '/health', headers: [['Connection', 'keep-alive']]}).toString().replace('Connection: close\r\n', '')), CUT_OFF_BOUND_MS)
    assert.equal(res.status, 200)
  })

  it('a long poll outlives the request timeout: the server is the slow one there, not the client', async () => {
    const res = await requestJson(server.url, '/v1/jobs/available?miner_id=rig&wait=3', {key: server.minerKey})
    assert.equal(res.status, 200)
    assert.equal(res.body, null)
    assert.equal((await server.request('/health')).status, 200)
  })
})

describe('the same limits as `aitbc serve` flags', () => {
  let root: string
  before(async () => {
    assertBuilt()
    root = await mkdtemp(path.join(tmpdir(), 'aitbc-limits-'))
  })
  after(() => rm(root, {recursive: true, force: true}))

  it('--max-prompt-bytes, --rate-limit with --rate-limit-burst, --headers-timeout and --request-timeout act', async () => {
    const dir = path.join(root, 'data')
    const {client_key: key} = await initDataDir(dir)
    const serve = await startServe(
      ['--data-dir', dir, '--port', '0', '--max-prompt-bytes', '64', '--rate-limit', '0.1', '--rate-limit-burst', '2', '--headers-timeout', '1', '--request-timeout', '2'],
      30_000,
    )
    try {
      assert.equal((await requestJson(serve.url, '/v1/jobs', {key, body: {prompt: 'x'.repeat(65)}})).status, 413)
      assert.equal((await requestJson(serve.url, '/v1/jobs', {key, body: {prompt: 'x'.repeat(64)}})).status, 201)
      const limited = await requestJson(serve.url, '/v1/jobs', {key})
      assert.equal(limited.status, 429)
      assert.ok(Number(limited.headers.get('retry-after')) >= 1)
      assertCutOff(await exchange(serve.url, () => undefined, CUT_OFF_BOUND_MS))
    } finally {
      serve.child.kill('SIGTERM')
      assert.equal(await serve.exited, 0)
    }
  })

  it('refuses bad values before touching the data directory', async () => {
    const dir = path.join(root, 'untouched')
    const cases: [string[], RegExp][] = [
      [['--rate-limit', '-1'], /--rate-limit\s+Expected a number of at least 0/],
      [['--rate-limit-burst', '0'], /rate-limit-burst/],
      [['--headers-timeout', '0'], /--headers-timeout\s+Expected a number greater than 0/],
      [['--headers-timeout', '5', '--request-timeout', '1'], /--headers-timeout <= --request-timeout/],
      [['--max-prompt-bytes', 'lots'], /not a size/],
    ]
    for (const [args, message] of cases) {
      // In this process: values oclif refuses stop the command before it runs; flags refused only
      // together, once it runs (which puts back what it changes of the process).
      const {code, stderr} = await refusedRun(['serve', '--data-dir', dir, '--port', '0', ...args])
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`)
      assert.match(stderr, message, args.join(' '))
    }
    await assert.rejects(stat(dir))
  })
})
