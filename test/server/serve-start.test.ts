// Starting `aitbc serve` and `aitbc serve init` when something is wrong: a directory that cannot be
// made fails at once, Ctrl-C during the first initialisation leaves nothing or prints the keys, a bad
// flag is a usage error like any command's, and a taken port says what to do.
import assert from 'node:assert/strict'
import {existsSync, watch} from 'node:fs'
import {mkdir, mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {runCli} from '../helpers/cli.js'
import {runCommand} from '../helpers/run-command.js'
import {assertBuilt, refusedRun, spawnCli, startServe} from './serve-process.js'

let root: string
let n = 0
const newDir = () => path.join(root, `dir${n++}`)

before(async () => {
  assertBuilt()
  root = await mkdtemp(path.join(tmpdir(), 'aitbc-serve-start-'))
})
after(() => rm(root, {recursive: true, force: true}))

// In-process (the refusal, its exit code and message are the command's), except under /proc, where
// Node 20's own recursive mkdir spins for ever in a thread of the process: only a process of its own
// can be cut off if it does.
describe('a data directory that cannot be created', {concurrency: true}, () => {
  const cases: Array<[string, () => Promise<string>, RegExp]> = [
    // A name of its own: the directory's lock is machine-wide, and the other command (or another run of
    // the suite) may be trying the same moment.
    ['under /proc (where Node 20 used to spin for ever)', async () => `/proc/aitbc-nope-${process.pid}-${n++}`, /cannot create the data directory \/proc\/aitbc-nope-\d+-\d+: ENOENT/],
    ['below a file', async () => {
      const file = path.join(root, `file${n++}`)
      await writeFile(file, '')
      return path.join(file, 'data')
    }, /cannot (create|read) the data directory .*: ENOTDIR/],
  ]
  for (const [what, make, message] of cases) {
    for (const command of [['serve', 'init'], ['serve']]) {
      const underProc = what.includes('/proc')
      it(`${command.join(' ')}: ${what}: exit 1 at once, saying why`, {skip: underProc && !existsSync('/proc/self')}, async () => {
        const args = [...command, '--data-dir', await make(), '--port', '0'].slice(0, command.length === 2 ? 4 : 5)
        const result = underProc ? await runCli(args, {timeoutMs: 20_000}) : await refusedRun(args)
        assert.equal(result.code, 1, result.stderr)
        assert.match(result.stderr, new RegExp(`^Error: ${message.source}\\n$`))
      })
    }
  }
})

/**
 * Starts `args` on an empty, existing directory and sends SIGINT as soon as `trigger` names an entry
 * that appeared in it. Whatever the moment, either nothing was created (exit 130) or the directory is
 * complete and its keys were printed (exit 0).
 */
async function interruptFirstInit(args: string[], trigger: (name: string) => boolean): Promise<{outcome: 'nothing' | 'keys printed'; dir: string}> {
  const dir = newDir()
  await mkdir(dir)
  let fired = false
  const proc = spawnCli([...args, '--data-dir', dir])
  const watcher = watch(dir, (_event, name) => {
    if (fired || !name || !trigger(name)) return
    fired = true
    proc.child.kill('SIGINT')
  })
  const killer = setTimeout(() => proc.child.kill('SIGKILL'), 30_000)
  let ended: {code: number | null; signal: NodeJS.Signals | null}
  try {
    ended = await proc.result
  } finally {
    watcher.close()
    clearTimeout(killer)
  }
  assert.ok(fired, `nothing appeared in the directory: ${proc.stderr()}`)
  const entries = await readdir(dir)
  const {code, signal} = ended
  if (code === 130) {
    assert.deepEqual(entries, [], 'an interrupted initialisation leaves nothing behind')
    assert.match(proc.stderr(), /^Error: Interrupted.*nothing was created/m)
    return {outcome: 'nothing', dir}
  }
  // A signal that comes once the keys are printed and the command let go of its handler ends the process
  // as it would any program (a shell says 130 too): the directory is whole and its keys are out.
  const done = code === 0 || (code === null && signal === 'SIGINT')
  assert.ok(done, `exit ${code ?? signal}: a signal during init must end in 130 (nothing made) or 0 (keys printed)\n${proc.stderr()}`)
  assert.ok(entries.includes('coordinator.json'), entries.join(', '))
  assert.match(proc.stdout(), /aitbc_[\w-]{20,}/, 'the keys of the directory it made were printed')
  return {outcome: 'keys printed', dir}
}

describe('Ctrl-C during the first initialisation', {concurrency: true}, () => {
  it('serve, at the first file: nothing is left, and the next start initialises normally', async () => {
    const {outcome, dir} = await interruptFirstInit(['serve', '--port', '0'], () => true)
    if (outcome === 'nothing') {
      const serve = await startServe(['--data-dir', dir, '--port', '0'])
      serve.child.kill('SIGTERM')
      assert.equal(await serve.exited, 0)
      assert.match(serve.stdout(), /^ {2}admin +aitbc_/m)
    }
  })

  it('serve, when the store document appears: the keys are printed before it stops', async () => {
    assert.equal((await interruptFirstInit(['serve', '--port', '0'], (name) => name === 'coordinator.json')).outcome, 'keys printed')
  })

  it('serve init, at the first file', async () => {
    await interruptFirstInit(['serve', 'init'], () => true)
  })
})

// In-process: oclif's parsing and the base command's error path are the same as the binary's.
describe('serve flags', {concurrency: true}, () => {
  it('a bad value is a usage error (exit 2) in the format of every other command, before touching the data directory', async () => {
    const other = await runCommand(['jobs', 'submit', '--temperature', '9', 'x'])
    assert.equal(other.code, 2)
    const format = /^Error: Parsing --[\w-]+ \n\t.+\nSee more help with --help\n$/
    assert.match(other.stderr, format)
    const dir = newDir()
    const bad = [['--price', '-1'], ['--model-price', 'llama3.2'], ['--model-price', 'nonsense'], ['--body-limit', 'huge'], ['--max-prompt-bytes', '0'], ['--lease-seconds', '0'], ['--block-interval', '0'], ['--port', '70000']]
    for (const args of bad) {
      const result = await runCommand(['serve', '--data-dir', dir, ...args])
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, format, args.join(' '))
      assert.ok(result.stderr.includes(`Parsing ${args[0]} `), result.stderr)
    }
    assert.equal(existsSync(dir), false, 'nothing was created')
  })

  it('a port in use: exit 1 with a hint to use --port', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    try {
      const {port} = blocker.address() as {port: number}
      const result = await refusedRun(['serve', '--data-dir', newDir(), '--port', String(port)])
      assert.equal(result.code, 1, result.stderr)
      assert.match(result.stderr, new RegExp(`^Error: cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE\\n.*another coordinator.*--port`, 'i'))
    } finally {
      blocker.close()
    }
  })
})
