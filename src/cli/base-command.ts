// The base of every aitbc command: --json and --profile, the IO object every output goes through,
// and the one place where any error becomes a message and an exit code. Commands stay short: parse,
// call src/ code, render.
import {Command, Flags, type Interfaces} from '@oclif/core'

import {CliConfig, checkProfileName, type Profile} from './config.js'
import {type CliError, describeFailure, type Failure} from './errors.js'
import {inert} from './inert-text.js'
import {IO, type Style} from './io.js'
import {type Column, renderTable, type TerminalText} from './render.js'
import {closeNames} from './suggestions.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<T['baseFlags'] & T['flags']>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * oclif fills a missing argument from stdin when stdin is not a terminal, but it waits only 10 ms,
 * trims the text and rejoins its lines, and whatever it read is gone if it gives up. Stdin belongs to
 * the commands that read it on purpose (`jobs submit -`, `--result -`), byte for byte.
 */
function ownStdin(args: Interfaces.ArgInput | undefined): Interfaces.ArgInput {
  return Object.fromEntries(Object.entries(args ?? {}).map(([name, arg]) => [name, {...arg, ignoreStdin: true}]))
}

/** "Did you mean --limit?" under "Nonexistent flag: --limt", from the command's own flags. */
function withFlagSuggestion(failure: Failure, command: typeof AitbcCommand): Failure {
  const typed = /Nonexistent flags?: (--?[\w-]+)/.exec(failure.message)?.[1]?.replace(/^-+/, '')
  if (!typed) return failure
  const [best] = closeNames(typed, [...Object.keys({...command.baseFlags, ...command.flags}), ...(command.enableJsonFlag ? ['json'] : []), 'help'])
  if (!best) return failure
  return {...failure, hint: `Did you mean --${best}?${failure.hint ? ` ${failure.hint}` : ''}`}
}

/** `argv` with the tokens that match `pattern` (before any "--") moved after a "--", in their order. */
function argumentsAfterDashDash(argv: string[], pattern: RegExp | undefined): string[] {
  if (!pattern) return argv
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length
  const dashed = argv.slice(0, end).filter((token) => token.startsWith('-') && pattern.test(token))
  if (dashed.length === 0) return argv
  const rest = argv.slice(0, end).filter((token) => !dashed.includes(token))
  return [...rest, '--', ...dashed, ...argv.slice(end + 1)]
}

/**
 * The root of every aitbc command (`serve` and `serve init` extend it directly): the IO object, one
 * parse of flags and arguments, output helpers, and the one error and exit path.
 */
export abstract class AitbcCommand<T extends typeof Command> extends Command {
  static enableJsonFlag = true
  /** Set by streaming commands whose --json output is JSON Lines, so an error is one more line. */
  static jsonLines = false
  /**
   * Arguments that may start with "-" (a key id is base64url, where "-" is a letter): a token before
   * any "--" that matches is taken as an argument, not a flag, without the user typing "--".
   */
  static dashArgument?: RegExp
  static baseFlags = {}

  /** Streams, terminal, environment, prompter, spinner and exit code; a test sets its own before running. */
  io: IO = IO.system()
  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  /** Every positional argument, in order (what a command with `strict = false` takes). */
  protected argList: string[] = []

  public async init(): Promise<void> {
    await super.init()
    this.argv = argumentsAfterDashDash(this.argv, (this.ctor as typeof AitbcCommand).dashArgument)
    const {args, flags, argv} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: this.ctor.baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: ownStdin(this.ctor.args),
      strict: this.ctor.strict,
    })
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
    this.argList = argv as string[]
  }

  /** Writes text to stdout exactly as given (data, not decoration). */
  protected write(text: string): void {
    this.io.stdout.write(text)
  }

  /** A line of data on stdout, for people (suppressed under --json); control characters made visible. */
  protected line(text: string | TerminalText = ''): void {
    if (!this.jsonEnabled()) this.io.stdout.write(`${typeof text === 'string' ? inert(text) : text.text}\n`)
  }

  /** A remark for people on stderr: progress, confirmations, hints. Never data. Made inert, then painted. */
  protected note(text: string, style?: Style): void {
    if (!this.jsonEnabled()) this.io.stderr.write(`${style ? this.io.paint(inert(text), style, 'stderr') : inert(text)}\n`)
  }

  /** oclif's own log and logToStderr, kept on the IO object too. */
  log(text = ''): void {
    this.line(text)
  }

  logToStderr(text = ''): void {
    this.note(text)
  }

  /** One JSON document on stdout. */
  logJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  }

  /** One JSON Lines record on stdout, for streaming commands. */
  protected jsonLine(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value)}\n`)
  }

  /**
   * A table for people, coloured when stdout shows colour; on a terminal fitted to its width (ids and
   * names shortened with an ellipsis), in a pipe or file with every value in full.
   */
  protected table(columns: (string | Column)[], rows: (string | number)[][]): Promise<TerminalText> {
    const width = this.io.stdoutIsTTY && this.io.stdoutColumns > 0 ? this.io.stdoutColumns : undefined
    return renderTable(columns, rows, {color: this.io.colorEnabled('stdout'), width})
  }

  protected async catch(error: Error & {exitCode?: number}): Promise<void> {
    // oclif's own exits (this.exit, --help, --version) pass through untouched.
    if (error.constructor?.name === 'ExitError') throw error
    const failure = withFlagSuggestion(describeFailure(error), this.ctor as typeof AitbcCommand)
    this.io.exitCode = failure.exitCode
    if (this.io.env.DEBUG && error.stack) this.io.stderr.write(`${error.stack}\n`)
    if (this.jsonEnabled()) {
      const document = {error: {code: failure.code, message: failure.message, exit_code: failure.exitCode, status: failure.status}}
      if ((this.constructor as typeof AitbcCommand).jsonLines) this.jsonLine(document)
      else this.logJson(document)
      return
    }
    this.printFailure(failure)
  }

  /**
   * Ends the run with a failure whose data is already on stdout (e.g. the final job of a job that
   * failed, under --json): the exit code always, the message on stderr for people, no error document.
   */
  protected reportFailure(error: CliError): void {
    const failure = describeFailure(error)
    this.io.exitCode = failure.exitCode
    if (!this.jsonEnabled()) this.printFailure(failure)
  }

  private printFailure(failure: Failure): void {
    // Answering No is the user's choice, not an error: its exit code says so, without a red "Error:".
    const label = failure.code === 'aborted' ? '' : `${this.io.paint('Error:', 'red', 'stderr')} `
    this.io.stderr.write(`${label}${inert(failure.message)}\n`)
    if (failure.hint) this.io.stderr.write(`${inert(failure.hint)}\n`)
  }
}

/** A command that reads the user's configuration: --profile / AITBC_PROFILE. */
export abstract class BaseCommand<T extends typeof Command> extends AitbcCommand<T> {
  static baseFlags = {
    profile: Flags.string({
      summary: 'Configuration profile to use (letters, digits, "-", "_").',
      env: 'AITBC_PROFILE',
      helpGroup: 'GLOBAL',
      parse: async (input) => checkProfileName(input),
    }),
  }

  private configPromise?: Promise<CliConfig>
  private readPromise?: Promise<CliConfig>

  /** The user's configuration, to read and change, opened on first use. */
  protected userConfig(): Promise<CliConfig> {
    this.configPromise ??= CliConfig.open(this.config.configDir)
    return this.configPromise
  }

  /** The user's configuration for reading only: the open one if this run has it, else the file as read. */
  protected readConfig(): Promise<CliConfig> {
    return this.configPromise ?? (this.readPromise ??= CliConfig.read(this.config.configDir))
  }

  /** The profile this run uses: --profile / AITBC_PROFILE, else the current one. */
  protected async profileName(): Promise<string> {
    const {profile} = this.flags as {profile?: string}
    return profile ?? (await this.readConfig()).currentProfileName()
  }

  protected async activeProfile(): Promise<Profile> {
    const config = await this.readConfig()
    return config.profile(await this.profileName()) ?? {}
  }
}
