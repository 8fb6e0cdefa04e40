// Runs an aitbc command in this process, the way `aitbc ARGS` runs it (oclif parses the arguments;
// the base command's error and exit path decides the exit code), but with its IO object built over
// buffers: a given stdin, terminal switches, scripted answers to prompts, and a recorded spinner.
//
//   const result = await runCommand(['jobs', 'list', '--json'], {env: {AITBC_URL: url, AITBC_API_KEY: key}})
//   result.code, result.stdout, result.stderr
//   await runCommand(['jobs', 'cancel', id], {tty: {stdin: true, stdout: true}, env: {CI: undefined}, answers: [true]})
//   result.prompts    // the questions asked, in order; result.spinner: the spinner's texts
//
// The environment is the test's minus AITBC_*, with a private AITBC_CONFIG_DIR and CI=true, then
// `env` on top (undefined removes a variable). It is the command's io.env, and what process.env shows
// code running for this command (oclif reads flag defaults such as AITBC_URL from process.env): an
// AsyncLocalStorage gives each run its own, so runs may overlap and the test's own code still sees
// the real environment. The command is loaded from src/commands (no build needed), or its .js in the
// suite's compiled tree when this helper runs from there.
// `--help`, `--version`, unknown commands, signals and pipelines are the real binary's business:
// test those with test/helpers/cli.ts.
import {AsyncLocalStorage} from 'node:async_hooks'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {PassThrough, Readable} from 'node:stream'
import {pathToFileURL} from 'node:url'

import {Config} from '@oclif/core'

import type {AitbcCommand} from '../../src/cli/base-command.js'
import {IO, type Prompter, type Spinner} from '../../src/cli/io.js'
import {REPO_ROOT, tempConfigDir} from './cli.js'

export interface RunOptions {
  /** On top of the clean environment; undefined removes a variable (e.g. {CI: undefined} to allow prompts). */
  env?: Record<string, string | undefined>
  /** All of stdin; without it stdin is empty. */
  input?: string
  /** Which streams are terminals (default: none), and the terminal's width (80 by default). */
  tty?: {stdin?: boolean; stdout?: boolean; stderr?: boolean; columns?: number}
  /** Answers to the prompts in the order they are asked; a prompt with no answer left fails the run. */
  answers?: (string | boolean)[]
  /** Called with each write as it happens, for a test that watches a running command. */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void
}

export interface RunResult {
  code: number
  stdout: string
  stderr: string
  /** The messages of the prompts asked. */
  prompts: string[]
  /** The spinner's texts: its first, each update, and `(stopped)` / `(succeeded: …)` / `(failed: …)`. */
  spinner: string[]
}

type CommandClass = (new (argv: string[], config: Config) => AitbcCommand<never>) & {id?: string}

const COMMANDS = path.resolve(import.meta.dirname, '..', '..', 'src', 'commands')
const EXTENSION = path.extname(import.meta.filename)
const envOfRun = new AsyncLocalStorage<NodeJS.ProcessEnv>()
let configPromise: Promise<Config> | undefined

/** process.env, as seen from inside a run: that run's environment; elsewhere the real one. */
function installEnvSwitch(): void {
  const real = process.env
  const current = () => envOfRun.getStore() ?? real
  process.env = new Proxy(real, {
    get: (_, name) => current()[name as string],
    set: (_, name, value) => Reflect.set(current(), name, String(value)),
    has: (_, name) => name in current(),
    deleteProperty: (_, name) => Reflect.deleteProperty(current(), name),
    ownKeys: () => Reflect.ownKeys(current()),
    getOwnPropertyDescriptor: (_, name) => {
      const value = current()[name as string]
      return value === undefined ? undefined : {value, writable: true, enumerable: true, configurable: true}
    },
  })
}

function loadConfig(): Promise<Config> {
  if (!configPromise) {
    installEnvSwitch()
    configPromise = Config.load({root: REPO_ROOT})
  }
  return configPromise
}

/** The command file for the longest prefix of argv that names one: `jobs list` → src/commands/jobs/list.ts. */
async function findCommand(argv: string[]): Promise<{Command: CommandClass; id: string; rest: string[]}> {
  for (let words = Math.min(argv.length, 3); words > 0; words--) {
    const names = argv.slice(0, words)
    if (names.some((name) => !/^[a-z]+$/.test(name))) continue
    for (const file of [path.join(COMMANDS, ...names) + EXTENSION, path.join(COMMANDS, ...names, 'index' + EXTENSION)]) {
      if (!existsSync(file)) continue
      const module = (await import(pathToFileURL(file).href)) as {default: CommandClass}
      return {Command: module.default, id: names.join(':'), rest: argv.slice(words)}
    }
  }
  throw new Error(`runCommand: no command in src/commands for \`aitbc ${argv.join(' ')}\``)
}

function collector(onText?: (text: string) => void): {stream: PassThrough; text: () => string} {
  const stream = new PassThrough()
  const chunks: Buffer[] = []
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk)
    onText?.(chunk.toString('utf8'))
  })
  return {stream, text: () => Buffer.concat(chunks).toString('utf8')}
}

function scriptedPrompter(answers: (string | boolean)[], prompts: string[]): Prompter {
  const next = (message: string) => {
    prompts.push(message)
    if (answers.length === 0) throw new Error(`runCommand: unexpected prompt "${message}" (no answer left)`)
    return answers.shift()!
  }
  const text = async (message: string, options: {validate?: (value: string) => true | string} = {}) => {
    const answer = String(next(message))
    const valid = options.validate?.(answer) ?? true
    if (valid !== true) throw new Error(`runCommand: the answer ${JSON.stringify(answer)} to "${message}" was refused: ${valid}`)
    return answer
  }
  return {
    input: text,
    password: text,
    confirm: async (message) => Boolean(next(message)),
  }
}

export async function runCommand(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const base = await loadConfig()
  const {Command, id, rest} = await findCommand(argv)

  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AITBC_')) env[name] = value
  Object.assign(env, {AITBC_CONFIG_DIR: tempConfigDir(), CI: 'true'})
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }
  // What oclif computes from the environment when it loads: where the config and data live.
  const config = Object.create(base, {
    configDir: {value: env.AITBC_CONFIG_DIR},
    dataDir: {value: env.AITBC_DATA_DIR ?? base.dataDir},
  }) as Config

  const stdout = collector(options.onOutput && ((text) => options.onOutput!('stdout', text)))
  const stderr = collector(options.onOutput && ((text) => options.onOutput!('stderr', text)))
  const prompts: string[] = []
  const spinnerLog: string[] = []
  const tty = options.tty ?? {}
  let code = 0
  const io = new IO({
    stdin: Readable.from(options.input === undefined ? [] : [Buffer.from(options.input)]),
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdinIsTTY: Boolean(tty.stdin),
    stdoutIsTTY: Boolean(tty.stdout),
    stderrIsTTY: Boolean(tty.stderr),
    stderrColumns: tty.stderr ? (tty.columns ?? 80) : 0,
    stdoutColumns: tty.stdout ? (tty.columns ?? 80) : 0,
    env,
    prompter: scriptedPrompter([...(options.answers ?? [])], prompts),
    setExitCode: (exitCode) => (code = exitCode),
    spinner: async (text): Promise<Spinner> => {
      spinnerLog.push(text)
      return {
        update: (next) => void spinnerLog.push(next),
        succeed: (final) => void spinnerLog.push(`(succeeded: ${final ?? ''})`),
        fail: (final) => void spinnerLog.push(`(failed: ${final ?? ''})`),
        stop: () => void spinnerLog.push('(stopped)'),
      }
    },
  })

  await envOfRun.run(env, async () => {
    const command = new Command(rest, config)
    command.id = id
    command.io = io
    try {
      // What oclif's own run does after finding the command (Command.run): init, run, catch, finally.
      await (command as unknown as {_run(): Promise<unknown>})._run()
    } catch (error) {
      // oclif's ExitError (this.exit(n)) is the only error the base command lets through.
      const exit = (error as {oclif?: {exit?: number}}).oclif?.exit
      if (error instanceof Error && error.constructor.name === 'ExitError' && exit !== undefined) code = exit
      else throw error
    }
  })
  // Let the PassThrough streams deliver what was written last.
  await new Promise((resolve) => setImmediate(resolve))
  return {code, stdout: stdout.text(), stderr: stderr.text(), prompts, spinner: spinnerLog}
}
