// The one way a command meets the outside world, as `gh`'s iostreams: the three streams, whether each
// is a terminal, the environment, colour, questions (the prompter), spinners, progress bars and the
// exit code. The base command owns one (`this.io`); the real one wraps process.*, a test builds one
// over buffers with the terminal switches it wants (test/helpers/run-command.ts). Nothing under
// src/cli or src/commands touches process.stdout, process.stderr, process.stdin or process.env.
import type {Readable, Writable} from 'node:stream'

import {inert} from './inert-text.js'

/** Questions to a person at a terminal; asked only when `io.canPrompt()` says one can answer. */
export interface Prompter {
  input(message: string, options?: {default?: string; validate?: (value: string) => true | string}): Promise<string>
  /** Hidden input; `mask` shows a `*` per character typed. */
  password(message: string, options?: {mask?: boolean; validate?: (value: string) => true | string}): Promise<string>
  confirm(message: string, defaultAnswer: boolean): Promise<boolean>
}

/** A spinner on stderr when it is a terminal; otherwise every method does nothing. */
export interface Spinner {
  update(text: string): void
  succeed(text?: string): void
  fail(text?: string): void
  stop(): void
}

export interface ProgressBar {
  update(done: number, total: number, label?: string): void
  /** Clears the bar, leaving the terminal as it was. */
  stop(): void
}

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan'
const ANSI: Record<Style, [number, number]> = {bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39]}

export interface IOOptions {
  stdin: Readable
  stdout: Writable
  stderr: Writable
  stdinIsTTY: boolean
  stdoutIsTTY: boolean
  stderrIsTTY: boolean
  /** Columns of the terminal on stderr (0 when unknown); a spinner needs some. */
  stderrColumns: number
  /** Columns of the terminal on stdout (0 when unknown or not a terminal); tables fit into them. */
  stdoutColumns?: number
  env: NodeJS.ProcessEnv
  prompter: Prompter
  /** Where the exit code goes: process.exitCode for the real process. */
  setExitCode: (code: number) => void
  /** Makes the spinner for a terminal on stderr; the default draws with ora. */
  spinner?: (text: string, stream: Writable) => Promise<Spinner>
}

const SILENT_SPINNER: Spinner = {update() {}, succeed() {}, fail() {}, stop() {}}
const SILENT_BAR: ProgressBar = {update() {}, stop() {}}
const BAR_WIDTH = 30
const BAR_REDRAW_MS = 100

export class IO {
  readonly stdin: Readable
  readonly stdout: Writable
  readonly stderr: Writable
  readonly stdinIsTTY: boolean
  readonly stdoutIsTTY: boolean
  readonly stderrIsTTY: boolean
  readonly env: NodeJS.ProcessEnv
  readonly prompter: Prompter
  private readonly options: IOOptions
  private exitCodeValue = 0

  constructor(options: IOOptions) {
    this.options = options
    this.stdin = options.stdin
    this.stdout = options.stdout
    this.stderr = options.stderr
    this.stdinIsTTY = options.stdinIsTTY
    this.stdoutIsTTY = options.stdoutIsTTY
    this.stderrIsTTY = options.stderrIsTTY
    this.env = options.env
    this.prompter = options.prompter
  }

  /** The real process: its streams, its terminal, its environment, questions from @inquirer/prompts. */
  static system(): IO {
    return new IO({
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      stdinIsTTY: Boolean(process.stdin.isTTY),
      stdoutIsTTY: Boolean(process.stdout.isTTY),
      stderrIsTTY: Boolean(process.stderr.isTTY),
      stderrColumns: process.stderr.columns ?? 0,
      stdoutColumns: process.stdout.columns ?? 0,
      env: process.env,
      prompter: inquirerPrompter(),
      setExitCode: (code) => (process.exitCode = code),
    })
  }

  /** Columns of the terminal on stdout; 0 when unknown or not a terminal. */
  get stdoutColumns(): number {
    return this.options.stdoutColumns ?? 0
  }

  get exitCode(): number {
    return this.exitCodeValue
  }

  set exitCode(code: number) {
    this.exitCodeValue = code
    this.options.setExitCode(code)
  }

  /** Prompts only when a person can answer: stdin and stdout are terminals, not CI, not --json. */
  canPrompt(json: boolean): boolean {
    return this.stdinIsTTY && this.stdoutIsTTY && !this.env.CI && !json
  }

  colorEnabled(stream: 'stdout' | 'stderr' = 'stdout'): boolean {
    const tty = stream === 'stdout' ? this.stdoutIsTTY : this.stderrIsTTY
    return tty && !('NO_COLOR' in this.env) && this.env.TERM !== 'dumb'
  }

  /** `text` in a colour or weight when the stream it goes to shows colour; else as it is. */
  paint(text: string, style: Style, stream: 'stdout' | 'stderr' = 'stdout'): string {
    if (!this.colorEnabled(stream)) return text
    const [open, close] = ANSI[style]
    return `\u001B[${open}m${text}\u001B[${close}m`
  }

  /** All of stdin as UTF-8, exactly as given. On a terminal this reads until Ctrl-D, like `cat -`. */
  async readStdin(): Promise<string> {
    const chunks: Buffer[] = []
    for await (const chunk of this.stdin) chunks.push(Buffer.from(chunk))
    return Buffer.concat(chunks).toString('utf8')
  }

  /** Whether startSpinner draws one: --json off, on a terminal on stderr that has columns. */
  drawsSpinner(json: boolean): boolean {
    // A terminal that reports 0 columns (a pty nobody sized, e.g. under `script` or `docker -t`) sends
    // ora into an endless loop of clearing lines.
    return !json && this.stderrIsTTY && this.options.stderrColumns > 0
  }

  async startSpinner(text: string, json: boolean): Promise<Spinner> {
    if (!this.drawsSpinner(json)) return SILENT_SPINNER
    return (this.options.spinner ?? oraSpinner)(text, this.stderr)
  }

  /** A progress bar on stderr when it is a terminal and --json is off, redrawn at most every 100 ms. */
  startProgressBar(json: boolean): ProgressBar {
    if (json || !this.stderrIsTTY) return SILENT_BAR
    const stream = this.stderr
    let last = 0
    let drawn = false
    return {
      update(done, total, label = '') {
        const now = Date.now()
        if (now - last < BAR_REDRAW_MS && done < total) return
        last = now
        const filled = total > 0 ? Math.round((BAR_WIDTH * done) / total) : BAR_WIDTH
        stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${total} ${label}\u001B[K`)
        drawn = true
      },
      stop() {
        if (drawn) stream.write('\r\u001B[K')
      },
    }
  }
}

async function oraSpinner(text: string, stream: Writable): Promise<Spinner> {
  const {default: ora} = await import('ora')
  // Spinner texts may carry a coordinator's words (a job's state, its error): shown inert. The terminal
  // keeps its mode (no discardStdin): ora's raw mode swallowed Ctrl-C, Ctrl-\, Ctrl-Z and Ctrl-D while
  // nothing read stdin. ora shows the cursor again when a signal ends the process.
  const spinner = ora({text: inert(text), stream: stream as NodeJS.WritableStream, color: 'cyan', isEnabled: true, discardStdin: false}).start()
  const shown = (next: string | undefined) => (next === undefined ? undefined : inert(next))
  return {
    update: (next) => void (spinner.text = inert(next)),
    succeed: (final) => void spinner.succeed(shown(final)),
    fail: (final) => void spinner.fail(shown(final)),
    stop: () => void spinner.stop(),
  }
}

/** @inquirer/prompts, loaded on the first question. */
function inquirerPrompter(): Prompter {
  const prompts = () => import('@inquirer/prompts')
  return {
    input: async (message, options = {}) => (await prompts()).input({message, ...options}),
    password: async (message, options = {}) => (await prompts()).password({message, mask: options.mask ?? true, validate: options.validate}),
    confirm: async (message, defaultAnswer) => (await prompts()).confirm({message, default: defaultAnswer}),
  }
}
