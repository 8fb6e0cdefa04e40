// /health tells the truth. `aitbc serve` on a small tmpfs (mounted here: these tests run as root) is
// driven until the disk is full: the write that does not fit answers 503 with Retry-After, /health
// answers 503 with the reason, and the log says so; once space is freed the coordinator writes again by
// itself, /health is ok, and after a restart everything it acknowledged is there.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtemp, open, rm, unlink} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, it} from 'node:test'

import {initDataDir} from '../../src/server/data-dir.js'
import {requestJson} from '../helpers/server.js'
import {assertBuilt, startServe} from '../server/serve-process.js'

const TMPFS_BYTES = 8 * 1024 * 1024
let root: string
let mounted = false
let skip: string | false = false

before(async () => {
  assertBuilt()
  root = await mkdtemp(path.join(tmpdir(), 'aitbc-disk-full-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES},mode=0700`, 'tmpfs', root], {stdio: 'pipe'})
    mounted = true
  } catch (error) {
    const why = `cannot mount a tmpfs (${String((error as {stderr?: Buffer}).stderr ?? (error as Error).message).trim()})`
    // Where a mount should work (root on CI), not being able to is a failure, not a skip.
    if (process.env.CI === 'true' && process.getuid?.() === 0) throw new Error(why)
    skip = `${why}: skipped`
  }
})
after(async () => {
  if (mounted) execFileSync('umount', [root])
  if (root) await rm(root, {recursive: true, force: true})
})

/** Fills the file system with one file until a write fails; returns its path. */
async function fill(dir: string): Promise<string> {
  const file = path.join(dir, 'filler')
  const handle = await open(file, 'w')
  const chunk = Buffer.alloc(64 * 1024, 1)
  try {
    for (;;) await handle.write(chunk)
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC')
  } finally {
    await handle.close()
  }
  return file
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

it('a full disk: writes answer 503 with Retry-After, /health says why, and the coordinator recovers by itself', {timeout: 180_000}, async (t) => {
  if (skip) return t.skip(skip)
  const dir = path.join(root, 'data')
  // Made in this process: `serve init` is not what is tested here (a process start saved).
  const keys = await initDataDir(dir)
  // A failed write is tried again every half second (--write-retry), so recovery is seen soon after space is freed.
  let serve = await startServe(['--data-dir', dir, '--port', '0', '--block-interval', '3600', '--write-retry', '0.5'])
  try {
    const submit = (prompt: string) => requestJson<{job_id: string; detail?: string}>(serve.url, '/v1/jobs', {key: keys.client_key, body: {prompt}})
    const acknowledged: string[] = []
    const first = await submit('before the disk filled')
    assert.equal(first.status, 201)
    acknowledged.push(first.body.job_id)
    assert.equal((await requestJson(serve.url, '/health')).status, 200)

    const filler = await fill(root)
    // A prompt larger than what is left of the last pages of the files.
    const refused = await submit('x'.repeat(256 * 1024))
    assert.equal(refused.status, 503, JSON.stringify(refused.body))
    assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'a 503 without Retry-After')
    const health = await requestJson<{status: string; reason: string}>(serve.url, '/health')
    assert.equal(health.status, 503)
    assert.equal(health.body.status, 'unavailable')
    assert.match(health.body.reason, /ENOSPC|no space/i)
    assert.ok(Number(health.headers.get('retry-after')) >= 1)
    // Further writes are refused while the disk is full; reads go on.
    assert.equal((await submit('while full')).status, 503)
    assert.equal((await requestJson(serve.url, `/v1/jobs/${first.body.job_id}`, {key: keys.client_key})).status, 200)
    assert.match(serve.stderr(), /writing the store failed: .*ENOSPC.*writes answer 503 and are retried/)

    await unlink(filler)
    await waitFor('/health to be ok again', async () => ((await requestJson(serve.url, '/health')).status === 200 ? true : undefined))
    assert.match(serve.stderr(), /writing the store works again/)
    const after = await submit('after space was freed')
    assert.equal(after.status, 201)
    acknowledged.push(after.body.job_id)

    serve.signal('SIGTERM')
    assert.equal(await serve.exited, 0, serve.stderr())
    serve = await startServe(['--data-dir', dir, '--port', '0', '--block-interval', '3600'])
    for (const jobId of acknowledged) assert.equal((await requestJson(serve.url, `/v1/jobs/${jobId}`, {key: keys.client_key})).status, 200, `acknowledged ${jobId} is missing`)
    assert.equal((await requestJson(serve.url, '/health')).status, 200)
  } finally {
    serve.signal('SIGTERM')
    await serve.exited
  }
})
