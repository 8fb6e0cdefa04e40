// What the terminal allows: prompts, spinners and colour. A terminal changes how things look, never
// which data is printed.
import type {Ora} from 'ora'

import {inert} from './inert-text.js'

export function stdinIsTTY(): boolean {
  return Boolean(process.stdin.isTTY)
}

/** Prompts only when a person can answer: stdin and stdout are terminals, not CI, not --json. */
export function canPrompt(json: boolean): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY) && !process.env.CI && !json
}

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb'
}

const ANSI = {bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39]} as const
export type Style = keyof typeof ANSI

export function paint(text: string, style: Style, stream: NodeJS.WriteStream = process.stdout): string {
  if (!colorEnabled(stream)) return text
  const [open, close] = ANSI[style]
  return `\u001B[${open}m${text}\u001B[${close}m`
}

/** A spinner on stderr when it is a terminal; otherwise every method does nothing. */
export interface Spinner {
  update(text: string): void
  succeed(text?: string): void
  fail(text?: string): void
  stop(): void
}

const SILENT: Spinner = {update() {}, succeed() {}, fail() {}, stop() {}}

export async function startSpinner(text: string, json: boolean): Promise<Spinner> {
  // A terminal that reports 0 columns (a pty nobody sized, e.g. under `script` or `docker -t`) sends
  // ora into an endless loop of clearing lines.
  if (json || !process.stderr.isTTY || !process.stderr.columns) return SILENT
  const {default: ora} = await import('ora')
  const spinner: Ora = ora({text: inert(text), stream: process.stderr, color: 'cyan', isEnabled: true}).start()
  const shown = (next: string | undefined) => (next === undefined ? undefined : inert(next))
  return {
    update: (next) => void (spinner.text = inert(next)),
    succeed: (final) => void spinner.succeed(shown(final)),
    fail: (final) => void spinner.fail(shown(final)),
    stop: () => void spinner.stop(),
  }
}
