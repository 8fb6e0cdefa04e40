// Every failure a command reports becomes one of these: what happened, what to do next, an exit code.
import {Errors} from '@oclif/core'

import {ApiError, BadAnswerError, UnreachableError} from '../client/errors.js'
import {MinerError} from '../miner/errors.js'
import {ExitCode, exitCodeForStatus} from './exit-codes.js'

export class CliError extends Error {
  readonly exitCode: ExitCode
  readonly code: string
  readonly hint?: string

  constructor(message: string, options: {exitCode?: ExitCode; code?: string; hint?: string} = {}) {
    super(message)
    this.name = 'CliError'
    this.exitCode = options.exitCode ?? ExitCode.ERROR
    this.code = options.code ?? 'error'
    this.hint = options.hint
  }
}

export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, {exitCode: ExitCode.USAGE, code: 'usage', hint})
}

/** The user answered no to a confirmation. */
export function abortedError(): CliError {
  return new CliError('Aborted; nothing was changed.', {code: 'aborted'})
}

export interface Failure {
  exitCode: ExitCode
  code: string
  message: string
  hint?: string
  status?: number
}

const STATUS_HINTS: Record<number, string> = {
  401: 'Check the API key: set AITBC_API_KEY, use a profile (`aitbc login`), or pass --api-key.',
  403: "This key's role may not do that; use a key with the right role.",
  429: 'Too many requests; wait and try again.',
}

const MINER_FAILURES: Record<MinerError['kind'], {exitCode: ExitCode; code: string}> = {
  usage: {exitCode: ExitCode.USAGE, code: 'usage'},
  setup: {exitCode: ExitCode.ERROR, code: 'error'},
  unreachable: {exitCode: ExitCode.UNREACHABLE, code: 'unreachable'},
}

/** Turns any thrown value into the message, code and exit code a command reports, with secrets masked. */
export function describeFailure(error: unknown): Failure {
  const failure = failureOf(error)
  return {...failure, message: maskSecrets(failure.message)}
}

/**
 * A message can quote what the user typed (`Nonexistent flag: --api-key=...`, an unexpected argument):
 * API keys (coordinator keys start with `aitbc_`) and the values of key flags are masked before printing.
 */
function maskSecrets(text: string): string {
  return text.replace(/aitbc_[A-Za-z0-9_-]{8,}/g, 'aitbc_********').replace(/(--(?:backend-)?api-key=)\S+/g, '$1********')
}

/**
 * oclif's parse errors in the words of the rest of aitbc: flags named as typed (`--name`, not `name`),
 * without the "The following error occurred:" wrapper, and the hint an unquoted prompt needs.
 */
function oclifMessage(raw: string): {message: string; hint?: string} {
  const message = raw.replace(/^The following errors? occurred:\s*/, '').replace(/Missing required flag:?\s*([a-z][\w-]*)/g, 'Missing required flag --$1')
  if (/^Unexpected arguments?: /.test(message)) {
    return {message, hint: 'Text with spaces is one argument only in quotes: aitbc jobs submit "Write a haiku about GPUs".'}
  }
  return {message}
}

function failureOf(error: unknown): Failure {
  if (error instanceof CliError) {
    return {exitCode: error.exitCode, code: error.code, message: error.message, hint: error.hint}
  }
  if (error instanceof ApiError) {
    const hint = error.retryAfterSeconds ? `Retry after ${error.retryAfterSeconds} s.` : STATUS_HINTS[error.status]
    return {exitCode: exitCodeForStatus(error.status), code: error.errorCode, message: error.detail, hint, status: error.status}
  }
  if (error instanceof MinerError) {
    const {exitCode, code} = MINER_FAILURES[error.kind]
    return {exitCode, code, message: error.message, hint: error.hint}
  }
  if (error instanceof UnreachableError) {
    return {
      exitCode: ExitCode.UNREACHABLE,
      code: 'unreachable',
      message: error.message,
      hint: 'Is the coordinator running (`aitbc serve`)? Check --url, AITBC_URL or the profile.',
    }
  }
  if (error instanceof BadAnswerError) {
    return {
      exitCode: ExitCode.UNREACHABLE,
      code: 'bad_answer',
      message: error.message,
      hint: 'Check --url, AITBC_URL or the profile: it must be the address of an aitbc coordinator.',
    }
  }
  // Ctrl-C at an @inquirer prompt: the user chose to stop, nothing happened.
  if (error instanceof Error && error.name === 'ExitPromptError') return describeFailure(abortedError())
  if (error instanceof Errors.CLIError) {
    const exit = error.oclif?.exit
    return {
      exitCode: exit === 2 ? ExitCode.USAGE : ExitCode.ERROR,
      code: exit === 2 ? 'usage' : 'error',
      ...oclifMessage(error.message),
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  return {exitCode: ExitCode.ERROR, code: 'unexpected', message, hint: 'This is a bug in aitbc; run with DEBUG=aitbc* for details.'}
}
