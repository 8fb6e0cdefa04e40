// The CLI never prints an API key: every command, with the key given as --api-key, in AITBC_API_KEY or
// in a profile, succeeding, refused (wrong key) or unable to connect, for people and under --json. The
// config file that holds a key is 0600. --api-key works, and its help recommends the environment or a
// profile instead. (Runs the commands in-process against an in-process coordinator; --help and the
// manifest are the built CLI's.)
import assert from 'node:assert/strict'
import {cp, mkdtemp, readFile, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {type CliResult, REPO_ROOT, runCli, tempConfigDir} from '../helpers/cli.js'
import {runCommand} from '../helpers/run-command.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {claim, complete, register, submit} from '../server/fixtures.js'
import {assertBuilt} from '../server/serve-process.js'
import {freePort} from '../helpers/ports.js'

type Role = 'admin' | 'client' | 'miner'
type Mode = 'flag' | 'env' | 'profile' | 'wrong key' | 'unreachable'

interface Case {
  role: Role
  args: () => Promise<string[]>
  /** The exit code when the key is given as a flag (proves the command really ran with it). */
  exit?: number
  /** Also run in every other mode, not only with the flag and a wrong key. */
  allModes?: boolean
}

const WRONG_KEY = `aitbc_${'W'.repeat(20)}wrongwrongwrongwrongwro`
const BACKEND_KEY = 'sk-backend-secret-0123456789abcdef'

let server: TestServer
let root: string
let unreachableUrl: string
let fresh = 0
const name = (prefix: string) => `${prefix}-${fresh++}`
/** A config dir per role with the profile `default` holding the coordinator URL and that role's key. */
const profiles = {} as Record<Role, string>
const keyOf = (role: Role) => ({admin: server.adminKey, client: server.clientKey, miner: server.minerKey})[role]
let runs = 0

before(async () => {
  assertBuilt()
  root = await mkdtemp(path.join(tmpdir(), 'aitbc-cli-secrets-'))
  server = await startTestServer()
  unreachableUrl = `http://127.0.0.1:${await freePort()}`
  await register(server, 'rig', ['llama3.2'])
  for (const role of ['admin', 'client', 'miner'] as const) {
    profiles[role] = tempConfigDir()
    const env = {AITBC_CONFIG_DIR: profiles[role]}
    assert.equal((await runCommand(['config', 'set', 'url', server.url], {env})).code, 0)
    assert.equal((await runCommand(['config', 'set', 'api-key', '-'], {env, input: keyOf(role)})).code, 0)
  }
})
after(async () => {
  await server?.close()
  if (root) await rm(root, {recursive: true, force: true})
})

const pending = async () => (await submit(server, {prompt: name('pending')})).job_id
const running = async () => {
  const jobId = await pending()
  await claim(server, jobId, 'rig')
  return jobId
}
const completed = async () => {
  const jobId = await running()
  return {jobId, receiptId: (await complete(server, jobId, 'a result', 'rig')).receipt_id}
}

const CASES: Record<string, Case> = {
  health: {role: 'client', args: async () => ['health'], exit: 0, allModes: true},
  'jobs list': {role: 'client', args: async () => ['jobs', 'list'], exit: 0, allModes: true},
  'jobs get': {role: 'client', args: async () => ['jobs', 'get', await pending()], exit: 0, allModes: true},
  'jobs result': {role: 'client', args: async () => ['jobs', 'result', (await completed()).jobId], exit: 0},
  'jobs watch': {role: 'client', args: async () => ['jobs', 'watch', (await completed()).jobId, '--timeout', '10'], exit: 0},
  'jobs submit': {role: 'client', args: async () => ['jobs', 'submit', name('a prompt')], exit: 0, allModes: true},
  'jobs cancel': {role: 'client', args: async () => ['jobs', 'cancel', await pending(), '--yes'], exit: 0},
  'receipts list': {role: 'client', args: async () => ['receipts', 'list'], exit: 0},
  'receipts get': {role: 'client', args: async () => ['receipts', 'get', (await completed()).receiptId], exit: 0},
  'receipts verify': {role: 'client', args: async () => ['receipts', 'verify', (await completed()).receiptId, '--key', server.keyId], exit: 0, allModes: true},
  'explorer stats': {role: 'client', args: async () => ['explorer', 'stats'], exit: 0},
  'explorer blocks': {role: 'client', args: async () => ['explorer', 'blocks'], exit: 0},
  'explorer block': {role: 'client', args: async () => ['explorer', 'block', '0'], exit: 0},
  'explorer transactions': {role: 'client', args: async () => ['explorer', 'transactions'], exit: 0},
  'explorer receipts': {role: 'client', args: async () => ['explorer', 'receipts'], exit: 0},
  'explorer verify': {role: 'client', args: async () => ['explorer', 'verify', '--key', server.keyId], exit: 0},
  'keys trust': {role: 'client', args: async () => ['keys', 'trust', '--from-coordinator', '--yes'], exit: 0},
  login: {role: 'client', args: async () => ['login'], exit: 0, allModes: true},
  'miner register': {role: 'miner', args: async () => ['miner', 'register', '--miner-id', 'rig', '--model', 'llama3.2'], exit: 0},
  'miner poll': {role: 'miner', args: async () => ['miner', 'poll', '--miner-id', 'rig'], exit: 0},
  'miner claim': {role: 'miner', args: async () => ['miner', 'claim', await pending(), '--miner-id', 'rig'], exit: 0},
  'miner complete': {role: 'miner', args: async () => ['miner', 'complete', await running(), '--miner-id', 'rig', '--result', 'r'], exit: 0},
  'miner fail': {role: 'miner', args: async () => ['miner', 'fail', await running(), '--miner-id', 'rig', '--error', 'e'], exit: 0},
  'miner doctor': {
    role: 'miner',
    args: async () => ['miner', 'doctor', '--miner-id', 'rig', '--backend', 'openai', '--backend-url', unreachableUrl, '--backend-api-key', BACKEND_KEY],
    allModes: true,
  },
  'miner run': {
    role: 'miner',
    // A model no job asks for, so it takes nothing another case needs; one pass, then it exits.
    args: async () => ['miner', 'run', '--once', '--miner-id', name('runner'), '--backend', 'command', '--command', 'cat', '--model', 'unused-model', '--state-dir', path.join(root, name('state'))],
    exit: 0,
  },
  'admin keys list': {role: 'admin', args: async () => ['admin', 'keys', 'list'], exit: 0, allModes: true},
  // Prints the new key (once, by design): the key it authenticated with must not appear.
  'admin keys create': {role: 'admin', args: async () => ['admin', 'keys', 'create', '--role', 'client', '--name', name('made')], exit: 0},
  'admin keys revoke': {
    role: 'admin',
    args: async () => {
      const keyName = name('doomed')
      assert.equal((await server.request('/v1/admin/keys', {key: server.adminKey, body: {role: 'client', name: keyName}})).status, 201)
      return ['admin', 'keys', 'revoke', keyName, '--yes']
    },
    exit: 0,
  },
}

/** What a run adds to the command line and the environment, per way of giving the key. */
async function setup(mode: Mode, role: Role): Promise<{args: string[]; env: Record<string, string>}> {
  const configDir = path.join(root, name('config'))
  await cp(profiles[role], configDir, {recursive: true})
  const env = {AITBC_CONFIG_DIR: configDir}
  switch (mode) {
    case 'flag':
      return {args: ['--url', server.url, '--api-key', keyOf(role), '--json'], env: {AITBC_CONFIG_DIR: tempConfigDir()}}
    case 'env':
      return {args: [], env: {AITBC_CONFIG_DIR: tempConfigDir(), AITBC_URL: server.url, AITBC_API_KEY: keyOf(role)}}
    case 'profile':
      return {args: [], env}
    case 'wrong key':
      return {args: ['--json'], env: {...env, AITBC_API_KEY: WRONG_KEY}}
    case 'unreachable':
      return {args: ['--url', unreachableUrl, '--api-key', keyOf(role)], env: {AITBC_CONFIG_DIR: tempConfigDir()}}
  }
}

/** The built CLI's `aitbc jobs list --help`, with a key in the environment: run once, read by two tests. */
let help: Promise<CliResult> | undefined
const jobsListHelp = () => (help ??= runCli(['jobs', 'list', '--help'], {env: {AITBC_API_KEY: server.clientKey, AITBC_CONFIG_DIR: tempConfigDir()}}))

const SECRETS = () => [server.adminKey, server.clientKey, server.minerKey, WRONG_KEY, BACKEND_KEY]

/** No secret, nor 16 characters of one, anywhere in what the command printed. */
function assertNoSecret(result: CliResult, what: string): void {
  const printed = result.stdout + result.stderr
  for (const secret of SECRETS()) {
    const random = secret.replace(/^(aitbc_|sk-)/, '')
    for (let at = 0; at + 16 <= random.length; at += 8) {
      assert.ok(!printed.includes(random.slice(at, at + 16)), `${what} printed a key:\n${printed}`)
    }
  }
}

/** Runs the commands a few at a time. */
async function inPool<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items]
  await Promise.all(Array.from({length: size}, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await run(item)
  }))
}

describe('no API key is ever printed', () => {
  it('by any command, whichever way the key is given and however the command ends', async (t) => {
    const jobs: [string, Case, Mode][] = []
    for (const [label, spec] of Object.entries(CASES)) {
      const modes: Mode[] = spec.allModes ? ['flag', 'env', 'profile', 'wrong key', 'unreachable'] : ['flag', 'wrong key']
      for (const mode of modes) jobs.push([label, spec, mode])
    }
    await inPool(jobs, 4, async ([label, spec, mode]) => {
      const {args, env} = await setup(mode, spec.role)
      const result = await runCommand([...(await spec.args()), ...args], {env})
      runs++
      const what = `\`aitbc ${label}\` (key by ${mode})`
      assertNoSecret(result, what)
      if (mode === 'flag' && spec.exit !== undefined) assert.equal(result.code, spec.exit, `${what}: ${result.stdout}${result.stderr}`)
    })
    t.diagnostic(`${runs} runs of ${Object.keys(CASES).length} commands`)
  })

  it('not by config list/get, for people or --json', async () => {
    const env = {AITBC_CONFIG_DIR: profiles.client}
    for (const args of [['config', 'list'], ['config', 'list', '--json'], ['config', 'get', 'api-key'], ['config', 'get', 'api-key', '--json'], ['config', 'profiles', '--json']]) {
      const result = await runCommand(args, {env})
      assert.equal(result.code, 0, result.stderr)
      assertNoSecret(result, `aitbc ${args.join(' ')}`)
    }
  })

  it('not by an error that quotes what was typed', async () => {
    const env = {AITBC_CONFIG_DIR: tempConfigDir()}
    for (const args of [
      ['config', 'list', `--api-key=${server.clientKey}`],
      ['config', 'list', `--api-key=${server.clientKey}`, '--json'],
      ['jobs', 'list', '--url', server.url, `--api-key=${WRONG_KEY}`, '--json'],
      ['miner', 'doctor', '--url', unreachableUrl, `--backend-api-key=${BACKEND_KEY}`, '--nonsense'],
    ]) {
      const result = await runCommand(args, {env})
      assert.notEqual(result.code, 0)
      assertNoSecret(result, `aitbc ${args.join(' ').replaceAll(server.clientKey, 'KEY')}`)
    }
  })

  it('not by --help, even with the key in the environment', async () => {
    const result = await jobsListHelp()
    assert.equal(result.code, 0)
    assertNoSecret(result, 'aitbc jobs list --help')
  })
})

describe('where the key is kept', () => {
  it('the config file holding a key is 0600, however it was written', async () => {
    const viaLogin = tempConfigDir()
    const login = await runCommand(['login', '--url', server.url, '--api-key', server.clientKey], {env: {AITBC_CONFIG_DIR: viaLogin}})
    assert.equal(login.code, 0, login.stderr)
    for (const dir of [profiles.client, profiles.miner, viaLogin]) {
      const mode = (await stat(path.join(dir, 'config.json'))).mode & 0o777
      assert.equal(mode, 0o600, `${dir}/config.json has mode ${mode.toString(8)}`)
    }
  })

  it('--api-key is accepted, and every command that takes it recommends the environment or a profile', async () => {
    const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, {flags: Record<string, {summary?: string; env?: string}>}>
    }
    const taking = Object.entries(manifest.commands).filter(([, command]) => command.flags['api-key'])
    assert.ok(taking.length >= 20)
    for (const [id, command] of taking) {
      const flag = command.flags['api-key']
      assert.equal(flag.env, 'AITBC_API_KEY', id)
      assert.match(flag.summary ?? '', /Prefer AITBC_API_KEY or a profile/, id)
    }
    const help = await jobsListHelp()
    assert.match(help.stdout.replace(/\s+/g, ' '), /--api-key=<value>.*Prefer AITBC_API_KEY or a profile/)
  })
})
