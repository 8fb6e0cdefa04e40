// A data directory nobody else controls (src/server/data-dir-owner.ts), under `aitbc serve` (the built
// CLI in a subprocess): a directory or store file writable by others or owned by another user ("another
// user" is uid 65534: these tests run as root), or a store file that is a symlink, stops the start with
// the path and the fix, a non-zero exit, and nothing changed. The cases run the coordinator's start (what
// `aitbc serve` runs) in this process, and one refused directory and `serve init` the whole command (its
// exit code and stderr), in this process too. A symlink planted at the document's temporary file while the coordinator runs is
// never written through.
import assert from 'node:assert/strict'
import {chmod, chown, cp, mkdir, mkdtemp, readFile, readdir, rename, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {initDataDir} from '../../src/server/data-dir.js'
import {startServer} from '../../src/server/run-server.js'
import {STORE_FILES} from '../../src/server/store/lowdb-store.js'
import {requestJson} from '../helpers/server.js'
import {assertBuilt, refusedRun} from '../server/serve-process.js'

const OTHER_UID = 65534
const asRoot = process.getuid?.() === 0

let root: string
let pristine: string
let keys: Record<string, string>
let n = 0

before(async () => {
  assertBuilt()
  root = await mkdtemp(path.join(tmpdir(), 'aitbc-owner-'))
  pristine = path.join(root, 'pristine')
  keys = {...(await initDataDir(pristine))}
})
after(() => root && rm(root, {recursive: true, force: true}))

async function copy(): Promise<string> {
  const dir = path.join(root, `copy${n++}`)
  await cp(pristine, dir, {recursive: true})
  return dir
}

async function snapshot(dir: string): Promise<Map<string, string>> {
  const names = (await readdir(dir)).sort()
  return new Map(await Promise.all(names.map(async (name) => [name, (await readFile(path.join(dir, name)).catch(() => Buffer.from('?'))).toString('base64')] as const)))
}

/** `aitbc serve` (or `args`) on `dir` must exit 1 without listening and change nothing; returns stderr. */
async function refusal(dir: string, args = ['serve', '--data-dir', dir, '--port', '0']): Promise<string> {
  const before = await snapshot(dir)
  const run = await refusedRun(args)
  assert.equal(run.code, 1, run.stderr)
  assert.deepEqual(await snapshot(dir), before, 'the refused start changed the directory')
  return run.stderr
}

const startInProcess = (dir: string) => startServer({dataDir: dir, host: '127.0.0.1', port: 0, log: () => undefined})

/** The coordinator's start in this process must refuse `dir` and change nothing; returns its message. */
async function refusalInProcess(dir: string): Promise<string> {
  const before = await snapshot(dir)
  let running
  try {
    running = await startInProcess(dir)
  } catch (error) {
    assert.deepEqual(await snapshot(dir), before, 'the refused start changed the directory')
    return (error as Error).message
  }
  await running.close()
  return assert.fail(`the coordinator started on ${dir}`)
}

const escaped = (text: string) => text.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&')

describe('a data directory others control is refused', {concurrency: 4}, () => {
  for (const mode of [0o777, 0o775, 0o757]) {
    // One through the whole command, for its exit and stderr.
    const throughCommand = mode === 0o777
    it(`the directory with mode ${mode.toString(8)}${throughCommand ? ' (aitbc serve)' : ''}: refused with the chmod that fixes it, which works`, async () => {
      const dir = await copy()
      await chmod(dir, mode)
      const message = throughCommand ? await refusal(dir) : await refusalInProcess(dir)
      assert.match(message, new RegExp(`${escaped(dir)} is writable by .*Fix: chmod go-w ${escaped(dir)}`, 's'))
      await chmod(dir, 0o700)
      await (await startInProcess(dir)).close()
    })
  }

  for (const name of [STORE_FILES.doc, STORE_FILES.jobs, STORE_FILES.commits]) {
    it(`${name} writable by others is refused, naming it`, async () => {
      const dir = await copy()
      await chmod(path.join(dir, name), 0o666)
      assert.match(await refusalInProcess(dir), new RegExp(`${escaped(path.join(dir, name))} is writable by anyone \\(mode 0666\\).*chmod go-w`, 's'))
    })
  }

  it('the directory owned by another user is refused with the chown that fixes it', {skip: !asRoot && 'needs root to chown'}, async () => {
    const dir = await copy()
    await chown(dir, OTHER_UID, OTHER_UID)
    assert.match(await refusalInProcess(dir), new RegExp(`${escaped(dir)} is owned by uid ${OTHER_UID}, not by the user running the coordinator \\(uid 0\\).*chown 0 ${escaped(dir)}`, 's'))
  })

  it('a store file owned by another user is refused', {skip: !asRoot && 'needs root to chown'}, async () => {
    const dir = await copy()
    await chown(path.join(dir, STORE_FILES.receipts), OTHER_UID, OTHER_UID)
    assert.match(await refusalInProcess(dir), new RegExp(`${escaped(path.join(dir, STORE_FILES.receipts))} is owned by uid ${OTHER_UID}`))
  })

  for (const name of [STORE_FILES.transactions, STORE_FILES.doc]) {
    it(`${name} as a symlink (to a copy of itself) is refused, not followed`, async () => {
      const dir = await copy()
      const elsewhere = path.join(root, `elsewhere-${n++}`)
      await rename(path.join(dir, name), elsewhere)
      await symlink(elsewhere, path.join(dir, name))
      assert.match(await refusalInProcess(dir), new RegExp(`${escaped(path.join(dir, name))} is a symbolic link`))
    })
  }

  it('serve init into an existing directory others can write is refused, creating nothing', async () => {
    const dir = path.join(root, `open-${n++}`)
    await mkdir(dir)
    await chmod(dir, 0o777)
    assert.match(await refusal(dir, ['serve', 'init', '--data-dir', dir]), /is writable by anyone/)
    assert.deepEqual(await readdir(dir), [])
  })
})

it('a symlink planted at .coordinator.json.tmp while the coordinator runs is never written through', async () => {
  const dir = await copy()
  const victim = path.join(root, 'victim.txt')
  await writeFile(victim, 'precious\n')
  const serve = await startInProcess(dir)
  try {
    const temporary = path.join(dir, `.${STORE_FILES.doc}.tmp`)
    await symlink(victim, temporary)
    // An admin action rewrites the document through its temporary file.
    const created = await requestJson<{api_key: string}>(serve.url, '/v1/admin/keys', {key: keys.admin_key, body: {role: 'client', name: 'planted-test'}})
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.equal(await readFile(victim, 'utf8'), 'precious\n')
    const doc = JSON.parse(await readFile(path.join(dir, STORE_FILES.doc), 'utf8')) as {api_keys: {name: string}[]}
    assert.ok(doc.api_keys.some((key) => key.name === 'planted-test'))
  } finally {
    await serve.close()
  }
})
