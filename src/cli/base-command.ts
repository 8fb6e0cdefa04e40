// The base of every aitbc command: --json and --profile, output modes, and the one place where any
// error becomes a message and an exit code. Commands stay short: parse, call src/ code, render.
import {Command, Flags, type Interfaces} from '@oclif/core'

import {CliConfig, type Profile} from './config.js'
import {type CliError, describeFailure, type Failure} from './errors.js'
import {inert} from './inert-text.js'
import {TerminalText} from './render.js'
import {paint, type Style} from './terminal.js'

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

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static enableJsonFlag = true
  /** Set by streaming commands whose --json output is JSON Lines, so an error is one more line. */
  static jsonLines = false
  static baseFlags = {
    profile: Flags.string({
      summary: 'Configuration profile to use.',
      env: 'AITBC_PROFILE',
      helpGroup: 'GLOBAL',
    }),
  }

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  private configPromise?: Promise<CliConfig>

  public async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: this.ctor.baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: ownStdin(this.ctor.args),
      strict: this.ctor.strict,
    })
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
  }

  /** The user's configuration, opened on first use. */
  protected userConfig(): Promise<CliConfig> {
    this.configPromise ??= CliConfig.open(this.config.configDir)
    return this.configPromise
  }

  /** The profile this run uses: --profile / AITBC_PROFILE, else the current one. */
  protected async profileName(): Promise<string> {
    return this.flags.profile ?? (await this.userConfig()).currentProfileName()
  }

  protected async activeProfile(): Promise<Profile> {
    const config = await this.userConfig()
    return config.profile(await this.profileName()) ?? {}
  }

  /** Writes text to stdout exactly as given (data, not decoration). */
  protected write(text: string): void {
    process.stdout.write(text)
  }

  /** A line of data on stdout, for people (suppressed under --json); control characters made visible. */
  protected line(text: string | TerminalText = ''): void {
    if (!this.jsonEnabled()) process.stdout.write(`${text instanceof TerminalText ? text.text : inert(text)}\n`)
  }

  /** A remark for people on stderr: progress, confirmations, hints. Never data. Made inert, then painted. */
  protected note(text: string, style?: Style): void {
    if (!this.jsonEnabled()) process.stderr.write(`${style ? paint(inert(text), style, process.stderr) : inert(text)}\n`)
  }

  /** One JSON document on stdout. */
  protected logJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  }

  /** One JSON Lines record on stdout, for streaming commands. */
  protected jsonLine(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`)
  }

  protected async catch(error: Error & {exitCode?: number}): Promise<void> {
    // oclif's own exits (this.exit, --help, --version) pass through untouched.
    if (error.constructor?.name === 'ExitError') throw error
    const failure = describeFailure(error)
    process.exitCode = failure.exitCode
    if (process.env.DEBUG && error.stack) process.stderr.write(`${error.stack}\n`)
    if (this.jsonEnabled()) {
      const document = {error: {code: failure.code, message: failure.message, exit_code: failure.exitCode, status: failure.status}}
      if ((this.constructor as typeof BaseCommand).jsonLines) this.jsonLine(document)
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
    process.exitCode = failure.exitCode
    if (!this.jsonEnabled()) this.printFailure(failure)
  }

  private printFailure(failure: Failure): void {
    process.stderr.write(`${paint('Error:', 'red', process.stderr)} ${inert(failure.message)}\n`)
    if (failure.hint) process.stderr.write(`${inert(failure.hint)}\n`)
  }
}
