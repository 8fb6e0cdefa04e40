// Streamed output on the coordinator: the miner holding a job appends it (checked as `complete` is),
// followers get it as Server-Sent Events (late ones from the start), bounded per job and in total,
// reset when the attempt fails, ended by the job's result; a follower that does not read is cut off.
import assert from 'node:assert/strict'
import {request as httpRequest, type IncomingMessage} from 'node:http'
import {after, before, describe, test} from 'node:test'
import v8 from 'node:v8'
import vm from 'node:vm'

import {startTestServer, type TestServer} from '../helpers/server.js'
import {assertError} from './fixtures.js'

interface SseEvent {
  event: string
  data: Record<string, unknown>
}

/** Follows a job's stream; `events` fills as they come, `done` resolves when the server ends it. */
function follow(server: TestServer, jobId: string, key = server.clientKey) {
  const events: SseEvent[] = []
  const listeners = new Set<() => void>()
  let status = 0
  const done = new Promise<void>((resolve, reject) => {
    const request = httpRequest(`${server.url}/v1/jobs/${jobId}/stream`, {headers: {'X-Api-Key': key}}, (response: IncomingMessage) => {
      status = response.statusCode ?? 0
      response.setEncoding('utf8')
      let pending = ''
      response.on('data', (chunk: string) => {
        pending += chunk
        let end: number
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, end)
          pending = pending.slice(end + 2)
          const name = /^event: (.*)$/m.exec(block)?.[1] ?? 'message'
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (data) events.push({event: name, data: JSON.parse(data) as Record<string, unknown>})
          listeners.forEach((listener) => listener())
        }
      })
      response.on('end', () => resolve())
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end()
  })
  const until = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (events.length >= count) {
          listeners.delete(check)
          resolve()
        }
      }
      listeners.add(check)
      check()
    })
  return {events, done, until, status: () => status}
}

const text = (events: SseEvent[]) => events.filter((e) => e.event === 'output').map((e) => e.data.text).join('')

let server: TestServer
let jobNumber = 0

before(async () => {
  server = await startTestServer({config: {streamJobBytes: 64, streamMemoryBytes: 100, maxAttempts: 3}})
  for (const minerId of ['m1', 'm2']) {
    const registered = await server.request('/v1/miners/register', {key: server.minerKey, method: 'POST', body: {miner_id: minerId, capabilities: ['llama3.2']}})
    assert.equal(registered.status, 201)
  }
})

after(() => server.close())

async function runningJob(minerId = 'm1'): Promise<string> {
  const submitted = await server.request<{job_id: string}>('/v1/jobs', {key: server.clientKey, method: 'POST', body: {prompt: `job ${++jobNumber}`}})
  const id = submitted.body.job_id
  const claimed = await server.request(`/v1/jobs/${id}/claim`, {key: server.minerKey, method: 'POST', body: {miner_id: minerId}})
  assert.equal(claimed.status, 200)
  return id
}

const append = (id: string, offset: number, piece: string, minerId = 'm1', key = server.minerKey) =>
  server.request<{bytes?: number; detail?: string}>(`/v1/jobs/${id}/output`, {key, method: 'POST', body: {miner_id: minerId, offset, text: piece}})

const complete = (id: string, result: string) => server.request(`/v1/jobs/${id}/complete`, {key: server.minerKey, method: 'POST', body: {miner_id: 'm1', result}})

describe('POST /v1/jobs/{id}/output', () => {
  test('only the holding miner appends; a retried piece is taken once; a gap names the expected offset', async () => {
    const id = await runningJob()
    assert.equal((await append(id, 0, 'héllo')).body.bytes, 6)
    assert.equal((await append(id, 0, 'héllo')).body.bytes, 6, 'the same piece again is taken once')
    const gap = await append(id, 10, 'x')
    assert.equal(gap.status, 409)
    assert.match(gap.body.detail!, /byte 6/)
    const other = await append(id, 6, ' there', 'm2')
    assert.equal(other.status, 409)
    const client = await server.request(`/v1/jobs/${id}/output`, {key: server.clientKey, method: 'POST', body: {miner_id: 'm1', offset: 6, text: 'x'}})
    assert.equal(client.status, 403)
    await complete(id, 'héllo')
    assert.equal((await append(id, 6, ' late')).status, 409, 'no output once the job has ended')
  })

  test('past --stream-job-bytes a job is refused with 413, past --stream-memory any job with 503', async () => {
    const first = await runningJob()
    const tooMuch = await append(first, 0, 'x'.repeat(65))
    assert.equal(tooMuch.status, 413)
    assert.match(tooMuch.body.detail!, /--stream-job-bytes/)
    assert.equal((await append(first, 0, 'x'.repeat(60))).status, 200)
    const second = await runningJob()
    const full = await append(second, 0, 'y'.repeat(50))
    assert.equal(full.status, 503)
    assert.match(full.body.detail!, /--stream-memory/)
    // Ending the first job frees its output for the others.
    await complete(first, 'x'.repeat(60))
    assert.equal((await append(second, 0, 'y'.repeat(50))).status, 200)
    await complete(second, 'y'.repeat(50))
  })
})

describe('GET /v1/jobs/{id}/stream', () => {
  test('a late follower gets the output so far, then the rest, then the end with the receipt', async () => {
    const id = await runningJob()
    await append(id, 0, 'one ')
    const late = follow(server, id)
    await late.until(1)
    assert.deepEqual(late.events[0], {event: 'output', data: {text: 'one '}})
    await append(id, 4, 'two ')
    await late.until(2)
    await complete(id, 'one two three')
    await late.done
    assert.equal(text(late.events), 'one two three')
    const end = late.events.at(-1)!
    assert.equal(end.event, 'end')
    assert.equal(end.data.status, 'completed')
    assert.match(String(end.data.receipt_id), /^rcpt_|./)
  })

  test('a failed attempt resets the output; a result that differs from the preview comes whole after a reset', async () => {
    const id = await runningJob()
    const follower = follow(server, id)
    await append(id, 0, 'wrong ')
    await follower.until(1)
    const failed = await server.request(`/v1/jobs/${id}/fail`, {key: server.minerKey, method: 'POST', body: {miner_id: 'm1', error: 'backend crashed'}})
    assert.equal(failed.status, 200)
    await follower.until(2)
    assert.equal(follower.events[1].event, 'reset')
    assert.match(String(follower.events[1].data.reason), /backend crashed/)
    const again = await server.request(`/v1/jobs/${id}/claim`, {key: server.minerKey, method: 'POST', body: {miner_id: 'm2'}})
    assert.equal(again.status, 200)
    await append(id, 0, 'preview', 'm2')
    await follower.until(3)
    const done = await server.request(`/v1/jobs/${id}/complete`, {key: server.minerKey, method: 'POST', body: {miner_id: 'm2', result: 'the real result'}})
    assert.equal(done.status, 200)
    await follower.done
    const kinds = follower.events.map((e) => e.event)
    assert.deepEqual(kinds, ['output', 'reset', 'output', 'reset', 'output', 'end'])
    assert.equal(follower.events[4].data.text, 'the real result')
  })

  test('an ended job streams its result, then the end; someone who may not see the job gets 404', async () => {
    const id = await runningJob()
    await complete(id, 'all done')
    const follower = follow(server, id)
    await follower.done
    assert.deepEqual(follower.events.map((e) => e.event), ['output', 'end'])
    assert.equal(text(follower.events), 'all done')
    const created = await server.request<{api_key: string}>('/v1/admin/keys', {key: server.adminKey, method: 'POST', body: {role: 'client', name: 'mallory'}})
    const stranger = follow(server, id, created.body.api_key)
    await stranger.done
    assert.equal(stranger.status(), 404)
  })
})

describe('large output', () => {
  test('comes in pieces of at most 16 Ki characters that never split a character, the result at the end too', async () => {
    const big = await startTestServer({config: {streamJobBytes: 1024 * 1024, streamMemoryBytes: 4 * 1024 * 1024, bodyLimitBytes: 4 * 1024 * 1024}})
    try {
      await big.request('/v1/miners/register', {key: big.minerKey, method: 'POST', body: {miner_id: 'm1', capabilities: ['llama3.2']}})
      const job = async () => {
        const id = (await big.request<{job_id: string}>('/v1/jobs', {key: big.clientKey, method: 'POST', body: {prompt: 'large'}})).body.job_id
        assert.equal((await big.request(`/v1/jobs/${id}/claim`, {key: big.minerKey, method: 'POST', body: {miner_id: 'm1'}})).status, 200)
        return id
      }
      // An emoji (two UTF-16 code units) across the 16 Ki boundary, in the preview and in the rest.
      const preview = `${'a'.repeat(16 * 1024 - 1)}\u{1F600}${'b'.repeat(100)}`
      const result = `${preview}${'c'.repeat(3 * 16 * 1024 - 1)}\u{1F680}${'d'.repeat(100)}`
      const check = (events: SseEvent[], what: string) => {
        const outputs = events.filter((e) => e.event === 'output').map((e) => String(e.data.text))
        assert.equal(outputs.join(''), result, what)
        for (const piece of outputs) {
          // A lone half of a character does not survive UTF-8.
          assert.ok(Buffer.from(piece).toString() === piece, `${what}: a piece of ${piece.length} characters splits a character`)
          assert.ok(piece.length <= 16 * 1024, `${what}: a piece of ${piece.length} characters`)
        }
      }
      const streamed = await job()
      assert.equal((await big.request(`/v1/jobs/${streamed}/output`, {key: big.minerKey, method: 'POST', body: {miner_id: 'm1', offset: 0, text: preview}})).status, 200)
      const follower = follow(big, streamed)
      await follower.until(2)
      assert.equal((await big.request(`/v1/jobs/${streamed}/complete`, {key: big.minerKey, method: 'POST', body: {miner_id: 'm1', result}})).status, 200)
      await follower.done
      check(follower.events, 'a follower of the running job')
      const ended = await job()
      assert.equal((await big.request(`/v1/jobs/${ended}/complete`, {key: big.minerKey, method: 'POST', body: {miner_id: 'm1', result}})).status, 200)
      const late = follow(big, ended)
      await late.done
      check(late.events, 'a follower of the ended job')
    } finally {
      await big.close()
    }
  })
  test('a follower of many small appends holds no copies of the output (the heap stays flat)', async () => {
    const small = await startTestServer({config: {streamJobBytes: 1024 * 1024}})
    v8.setFlagsFromString('--expose-gc')
    const gc = vm.runInNewContext('gc') as () => void
    try {
      await small.request('/v1/miners/register', {key: small.minerKey, method: 'POST', body: {miner_id: 'm1', capabilities: ['llama3.2']}})
      const id = (await small.request<{job_id: string}>('/v1/jobs', {key: small.clientKey, method: 'POST', body: {prompt: 'many tokens'}})).body.job_id
      assert.equal((await small.request(`/v1/jobs/${id}/claim`, {key: small.minerKey, method: 'POST', body: {miner_id: 'm1'}})).status, 200)
      const follower = follow(small, id)
      // 200 appends of 3200 bytes: the quadratic copies of the old buffer as with a miner's 800 appends of
      // 200 bytes (~64 MB), for a quarter of the requests.
      const piece = 'two hundred bytes of tokens, '.repeat(7).padEnd(200, '.').repeat(16)
      const appends = 200
      gc()
      const before = process.memoryUsage().heapUsed
      for (let i = 0; i < appends; i++) {
        const answer = await small.request(`/v1/jobs/${id}/output`, {key: small.minerKey, method: 'POST', body: {miner_id: 'm1', offset: i * piece.length, text: piece}})
        assert.equal(answer.status, 200)
      }
      await follower.until(1)
      for (const started = Date.now(); text(follower.events).length < appends * piece.length; ) {
        assert.ok(Date.now() - started < 20_000, 'the follower never got the whole output')
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      gc()
      const grown = process.memoryUsage().heapUsed - before
      // 640 KB of output. Before the output was kept in pieces, each read copied the output so far and the
      // follower's pieces kept every copy: ~64 MB here (quadratic: 800 KB in 20-byte appends filled 4 GB).
      assert.ok(grown < 16 * 1024 * 1024, `the heap grew by ${(grown / 1024 / 1024).toFixed(1)} MiB for 640 KB of output`)
      assert.equal((await small.request(`/v1/jobs/${id}/complete`, {key: small.minerKey, method: 'POST', body: {miner_id: 'm1', result: piece.repeat(appends)}})).status, 200)
      await follower.done
      assert.equal(text(follower.events), piece.repeat(appends))
    } finally {
      await small.close()
    }
  })
})

describe('streams one key follows', () => {
  test('past --max-streams-per-key the next one is refused with 429 and Retry-After, until one closes', async () => {
    const capped = await startTestServer({config: {maxStreamsPerKey: 2}})
    try {
      await capped.request('/v1/miners/register', {key: capped.minerKey, method: 'POST', body: {miner_id: 'm1', capabilities: ['llama3.2']}})
      const id = (await capped.request<{job_id: string}>('/v1/jobs', {key: capped.clientKey, method: 'POST', body: {prompt: 'followed'}})).body.job_id
      await capped.request(`/v1/jobs/${id}/claim`, {key: capped.minerKey, method: 'POST', body: {miner_id: 'm1'}})
      const followers = [follow(capped, id), follow(capped, id)]
      for (const started = Date.now(); capped.app.streams.followers(id) < 2; ) {
        assert.ok(Date.now() - started < 20_000, 'the followers never started following')
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      const refused = await capped.request(`/v1/jobs/${id}/stream`, {key: capped.clientKey})
      assertError(refused, 429, 'limit_reached', /already follows 2 job output streams.*--max-streams-per-key 2/)
      assert.equal(refused.headers.get('retry-after'), '5')
      // Per key: another key (admin may see every job) still follows.
      const admin = follow(capped, id, capped.adminKey)
      await capped.request(`/v1/jobs/${id}/complete`, {key: capped.minerKey, method: 'POST', body: {miner_id: 'm1', result: 'done'}})
      await Promise.all([...followers, admin].map((follower) => follower.done))
      // Closed streams count no more: the job has ended, so the stream is its result and the end.
      const again = follow(capped, id)
      await again.done
      assert.equal(again.status(), 200)
      assert.deepEqual(again.events.map((e) => e.event), ['output', 'end'])
    } finally {
      await capped.close()
    }
  })
})

describe('a follower that does not read', () => {
  test('is disconnected after --send-timeout, while the job streams on', async () => {
    const slow = await startTestServer({config: {sendTimeoutSeconds: 1, streamJobBytes: 64 * 1024 * 1024, streamMemoryBytes: 64 * 1024 * 1024, bodyLimitBytes: 4 * 1024 * 1024}})
    try {
      await slow.request('/v1/miners/register', {key: slow.minerKey, method: 'POST', body: {miner_id: 'm1', capabilities: ['llama3.2']}})
      const id = (await slow.request<{job_id: string}>('/v1/jobs', {key: slow.clientKey, method: 'POST', body: {prompt: 'big'}})).body.job_id
      await slow.request(`/v1/jobs/${id}/claim`, {key: slow.minerKey, method: 'POST', body: {miner_id: 'm1'}})
      const {connect} = await import('node:net')
      const socket = connect(Number(new URL(slow.url).port), '127.0.0.1')
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
      socket.write(`GET /v1/jobs/${id}/stream HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${slow.clientKey}\r\n\r\n`)
      socket.pause()
      for (const started = Date.now(); slow.app.streams.followers(id) === 0; ) {
        assert.ok(Date.now() - started < 20_000, 'the follower never started following')
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      const piece = 'z'.repeat(1024 * 1024)
      let offset = 0
      // Far more than the socket buffers hold; the follower reads none of it.
      for (let i = 0; i < 48 && slow.app.streams.followers(id) > 0; i++) {
        const answer = await slow.request(`/v1/jobs/${id}/output`, {key: slow.minerKey, method: 'POST', body: {miner_id: 'm1', offset, text: piece}})
        assert.equal(answer.status, 200)
        offset += piece.length
      }
      // The coordinator lets it go: nobody follows the job any more.
      const until = Date.now() + 20_000
      while (slow.app.streams.followers(id) > 0) {
        assert.ok(Date.now() < until, 'the coordinator kept a follower that does not read for 20 s')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      // The job streams on without it: output appended after the cut never reaches the follower, which
      // gets, when it reads at last, only what was in the buffers (how much that is depends on when the
      // cut came, so under load it is the marker that proves the cut, not a byte count).
      const marker = 'written-after-the-cut'
      const later = await slow.request(`/v1/jobs/${id}/output`, {key: slow.minerKey, method: 'POST', body: {miner_id: 'm1', offset, text: marker}})
      assert.equal(later.status, 200)
      offset += marker.length
      const chunks: Buffer[] = []
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.resume()
      await closed
      const received = Buffer.concat(chunks)
      assert.ok(!received.includes(marker), 'the follower got output appended after it was cut off')
      assert.ok(received.length < offset, `the follower got ${received.length} of ${offset} bytes`)
    } finally {
      await slow.close()
    }
  })
})

describe('shutdown', () => {
  test('open streams end when the coordinator stops, so they do not hold it up', async () => {
    const stopping = await startTestServer()
    await stopping.request('/v1/miners/register', {key: stopping.minerKey, method: 'POST', body: {miner_id: 'm1', capabilities: ['llama3.2']}})
    const id = (await stopping.request<{job_id: string}>('/v1/jobs', {key: stopping.clientKey, method: 'POST', body: {prompt: 'p'}})).body.job_id
    await stopping.request(`/v1/jobs/${id}/claim`, {key: stopping.minerKey, method: 'POST', body: {miner_id: 'm1'}})
    await stopping.request(`/v1/jobs/${id}/output`, {key: stopping.minerKey, method: 'POST', body: {miner_id: 'm1', offset: 0, text: 'partial'}})
    const follower = follow(stopping, id)
    await follower.until(1)
    const started = performance.now()
    const closed = stopping.close()
    await follower.done
    const ended = performance.now() - started
    await closed
    assert.deepEqual(follower.events.map((e) => e.event), ['output'], 'no end: the job did not end')
    // Without the streams ending, the stream would last until the drain timeout (10 s) closed it.
    assert.ok(ended < 5000, `the stream ended ${ended} ms after stopping began`)
  })
})
