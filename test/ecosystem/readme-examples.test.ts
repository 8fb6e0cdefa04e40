// The README cannot drift from the tool: every ```sh block in README.md runs here, in order, in one bash
// session with `aitbc` on PATH (a shim to the built bin/run.js), against a coordinator this test starts,
// with a miner serving `llama3.2` from a fake Ollama (test/helpers/fake-backends.ts) so `jobs submit
// --wait` ends. The blocks run in a scratch directory that holds a link to the repository's demo/, with HOME
// there too, so nothing of the user's is read or written. The convention for blocks that need special
// handling is in readme-blocks.ts; the README's exit code table, environment variables and set-up
// commands are checked against the code.
import assert from 'node:assert/strict'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it, type TestContext} from 'node:test'

import {ExitCode} from '../../src/cli/exit-codes.js'
import {REPO_ROOT, spawnCli, type RunningCli} from '../helpers/cli.js'
import {type FakeBackend, startFakeOllama, startFakeOpenAi} from '../helpers/fake-backends.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {createTestDatabase, NO_SERVER, type TestDatabase} from '../server/store-conformance/test-database.js'
import {type CodeBlock, commandLines, type EnvValue, type Fake, readmeBlocks} from './readme-blocks.js'
import {BlockFailed, runInBackground, ShellSession} from './shell-session.js'

const README = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')
const BLOCK_TIMEOUT_MS = 30_000
/** The README's first block, exactly: set up and run the demo, then the tests. */
const SETUP_COMMANDS = ['npm ci && npm run demo', 'npm test']
/** The only blocks that do not run here, and why that is safe. */
const NOT_RUN = new Map([
  ['npm ci && npm run demo\nnpm test', 'reinstalling and rebuilding would pull dist/ from under the running suite; .ci/run runs both, test/e2e/demo.test.ts the demo'],
  ['npm link', 'installs globally; here a shim on PATH stands in for it'],
])

/** How long a block that listens on the README's fixed port waits for whoever holds it. */
const PORT_WAIT_MS = 120_000

const withoutComment = (line: string) => line.replace(/\s+#.*$/, '')

/**
 * A `serve` block listens on the port the README shows (8001, 8101). Another copy of this test running
 * on the machine (a second checkout's suite) may hold it for a moment: then the block waits its turn and
 * runs again, instead of failing on a port that is not the README's fault.
 */
async function onTheirPort<T>(run: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + PORT_WAIT_MS
  for (;;) {
    try {
      return await run()
    } catch (error) {
      const busy = error instanceof BlockFailed && /listens on port \d+/.test(error.message)
      if (!busy || Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 250 + Math.random() * 500))
    }
  }
}

const sectionOf = (heading: string) => {
  const start = README.indexOf(`\n## ${heading}\n`)
  assert.ok(start >= 0, `README has a "## ${heading}" section`)
  const end = README.indexOf('\n## ', start + 1)
  return README.slice(start, end < 0 ? undefined : end)
}

describe('README conventions', () => {
  const blocks = readmeBlocks(README)
  const shell = blocks.filter((block) => block.lang === 'sh')

  it('opens with the two set-up commands', () => {
    assert.deepEqual(commandLines(shell[0].code).map(withoutComment), SETUP_COMMANDS)
    assert.ok(README.indexOf('```sh') < README.indexOf('\n## '), 'the set-up block comes before any section')
  })

  it('says what `npm test` needs beyond Node.js (the tool needs nothing else; the tests do)', () => {
    const intro = README.slice(0, README.indexOf('\n## '))
    assert.match(intro, /`npm test` needs more: PostgreSQL on 127\.0\.0\.1:5432[\s\S]*`script`[\s\S]*Chromium/)
  })

  it('leaves out only the known blocks, each with its reason', () => {
    const notRun = shell.filter((block) => block.directives.notRun).map((block) => commandLines(block.code).map(withoutComment).join('\n'))
    assert.deepEqual(notRun, [...NOT_RUN.keys()])
  })

  it('has the exit code table of src/cli/exit-codes.ts', () => {
    const rows = [...sectionOf('Exit codes').matchAll(/^\| (\d+) \|/gm)].map((match) => Number(match[1]))
    assert.deepEqual(rows, [...new Set(Object.values(ExitCode))].sort((a, b) => a - b))
  })

  it('documents every environment variable the CLI reads', () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {flags: Record<string, {env?: string}>}>}
    const fromFlags = Object.values(manifest.commands).flatMap((command) => Object.values(command.flags).map((flag) => flag.env))
    // oclif reads these for the `aitbc` bin; terminal.ts honours NO_COLOR.
    const names = new Set([...fromFlags.filter((name): name is string => Boolean(name)), 'AITBC_CONFIG_DIR', 'AITBC_DATA_DIR', 'NO_COLOR'])
    const section = sectionOf('Configuration')
    for (const name of names) assert.ok(section.includes(`\`${name}\``), `README "Configuration" documents ${name}`)
  })

  it('has a Performance section that names `npm run bench`', () => {
    assert.match(sectionOf('Performance'), /npm run bench/)
  })
})

describe('README examples', () => {
  let server: TestServer
  let miner: RunningCli
  let root: string
  let session: ShellSession
  const fakes = new Map<Fake, Promise<FakeBackend>>()

  const fakeUrl = async (kind: Fake) => {
    if (!fakes.has(kind)) fakes.set(kind, kind === 'ollama' ? startFakeOllama(['llama3.2:latest']) : startFakeOpenAi(['qwen2.5-7b-instruct']))
    return (await fakes.get(kind)!).url
  }
  const databases: TestDatabase[] = []
  // Variables a block would export but cannot (no PostgreSQL server outside CI): the blocks that use
  // them are skipped with NO_SERVER, as the other PostgreSQL tests are.
  const unavailable = new Set<string>()
  const envValue = async (value: EnvValue) => {
    if (value !== 'new-database') return {url: server.url, 'client-key': server.clientKey, 'miner-key': server.minerKey, 'admin-key': server.adminKey}[value]
    // The Operator section's PostgreSQL examples: a database of their own per block that asks for one.
    const database = await createTestDatabase()
    if (!database) return undefined
    databases.push(database)
    return database.url
  }
  const usesUnavailable = (code: string) => [...unavailable].some((name) => new RegExp(`\\$\\{?${name}\\b`).test(code))

  before(async () => {
    // Blocks every 2 s, as by default: `explorer verify` in the README checks each one.
    server = await startTestServer({config: {blockIntervalSeconds: 2}})
    // The network the README's reader joins: a miner serving the default model, on the fake Ollama the
    // `fake ollama` blocks use (in this process: no model process per job, as the command backend starts).
    miner = spawnCli(['miner', 'run', '--miner-id', 'readme-test-miner', '--model', 'llama3.2'], {
      env: {AITBC_URL: server.url, AITBC_API_KEY: server.minerKey, AITBC_BACKEND_URL: await fakeUrl('ollama'), AITBC_MINER_STATE_DIR: mkdtempSync(path.join(tmpdir(), 'aitbc-readme-miner-'))},
      // It serves every block of the README, which takes minutes on a busy machine; `after` stops it.
      timeoutMs: 600_000,
    })
    await miner.waitFor(/registered/, 'stderr', 120_000)

    root = mkdtempSync(path.join(tmpdir(), 'aitbc-readme-'))
    const [bin, home, work, scratch] = ['bin', 'home', 'work', 'scratch'].map((name) => path.join(root, name))
    for (const dir of [bin, home, work, scratch]) mkdirSync(dir)
    writeFileSync(path.join(bin, 'aitbc'), `#!/bin/sh\nexec '${process.execPath}' '${path.join(REPO_ROOT, 'bin', 'run.js')}' "$@"\n`)
    chmodSync(path.join(bin, 'aitbc'), 0o755)
    // The README's commands run from a checkout; `demo/` is the part of it they use.
    symlinkSync(path.join(REPO_ROOT, 'demo'), path.join(work, 'demo'))
    const env: NodeJS.ProcessEnv = {}
    for (const [name, value] of Object.entries(process.env)) if (!/^(AITBC_|XDG_|CI$|NO_COLOR$)/.test(name)) env[name] = value
    Object.assign(env, {HOME: home, PATH: `${bin}:${process.env.PATH}`})
    session = new ShellSession(work, env, scratch)
  })

  after(async () => {
    session?.close()
    miner?.child.kill('SIGTERM')
    await miner?.result
    await Promise.all([...fakes.values()].map(async (fake) => (await fake).close()))
    await server?.close()
    for (const database of databases) await database.drop()
    if (root) rmSync(root, {recursive: true, force: true})
  })

  async function runBlock(t: TestContext, block: CodeBlock): Promise<void> {
    const {directives, code} = block
    if (directives.notRun) {
      t.diagnostic(`not run: ${directives.notRun}`)
      return
    }
    if (directives.env) {
      const names = commandLines(code).map((line) => line.match(/^export (\w+)=\S+(\s+#.*)?$/)?.[1])
      assert.deepEqual([...names].sort(), Object.keys(directives.env).sort(), 'an env block exports exactly the variables its directive names')
      const values = await Promise.all(Object.entries(directives.env).map(async ([name, value]) => [name, await envValue(value)] as const))
      for (const [name, value] of values) if (value === undefined) unavailable.add(name)
      if (values.some(([, value]) => value === undefined)) return t.skip(NO_SERVER)
      await session.run(values.map(([name, value]) => `export ${name}='${value}'`).join('\n'), BLOCK_TIMEOUT_MS)
      return
    }
    if (usesUnavailable(code)) return t.skip(NO_SERVER)
    const backendUrl = directives.fake && (await fakeUrl(directives.fake))
    if (directives.background) {
      const commands = commandLines(code)
      assert.equal(commands.length, 1, 'a background block holds one command')
      const {env, cwd} = await session.snapshot()
      if (backendUrl) env.AITBC_BACKEND_URL = backendUrl
      const {stream} = directives.background
      const run = await onTheirPort(() => runInBackground(commands[0], {cwd, env, stream, timeoutMs: BLOCK_TIMEOUT_MS}))
      assert.match(run.firstLine, directives.background.firstLine, `first ${directives.background.stream} line\n${run.stdout}\n${run.stderr}`)
      assert.equal(run.code, 0, `exit code after SIGTERM\n${run.stdout}\n${run.stderr}`)
      return
    }
    if (backendUrl) await session.run(`export AITBC_BACKEND_URL='${backendUrl}'`, BLOCK_TIMEOUT_MS)
    const {stdout} = await session.run(code, BLOCK_TIMEOUT_MS)
    if (backendUrl) await session.run('unset AITBC_BACKEND_URL', BLOCK_TIMEOUT_MS)
    // `cmd || echo "exit code $?"   # ...: exit code N` is a claim about cmd: hold the README to it.
    for (const claim of code.matchAll(/\|\| echo "exit code \$\?".*#.*\bexit code (\d+)/g)) {
      assert.match(stdout, new RegExp(`^exit code ${claim[1]}$`, 'm'), `README line ${block.line}: ${claim[0]}\n${stdout}`)
    }
  }

  it('every ```sh block runs against a coordinator started by the test', async (t) => {
    let failed: string | undefined
    for (const block of readmeBlocks(README).filter((b) => b.lang === 'sh')) {
      const name = `README line ${block.line}: ${commandLines(block.code)[0] ?? ''}`
      if (failed) {
        await t.test(name, {skip: `not reached: ${failed} failed`}, () => {})
        continue
      }
      await t.test(name, async (sub) => {
        try {
          await runBlock(sub, block)
        } catch (error) {
          failed = `README line ${block.line}`
          if (error instanceof BlockFailed) throw new Error(`README line ${block.line} ${error.message}`)
          throw error
        }
      })
    }
    assert.equal(failed, undefined, `${failed} failed`)
  })
})
