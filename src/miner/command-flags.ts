// The flags `miner run` and `miner doctor` share (which miner, which backend, which models), and the
// one place that turns them into settings or a usage error naming the flag to fix.
import {hostname} from 'node:os'
import path from 'node:path'

import {Flags} from '@oclif/core'

import {MAX_TIMER_SECONDS} from '../protocol/timers.js'
import {minerUsageError} from './errors.js'
import {
  BACKEND_KINDS,
  type BackendKind,
  type BackendLimits,
  type BackendSettings,
  DEFAULT_BACKEND_URLS,
  DEFAULT_LIST_TIMEOUT_MS,
  DEFAULT_MAX_ANSWER_BYTES,
  DEFAULT_PROBE_TIMEOUT_MS,
} from './backends/index.js'

/**
 * A number greater than 0 and at most `max`, else a usage error naming what is expected: cli's
 * numberFlag, which src/miner may not import.
 */
function positiveNumberFlag(max = Number.POSITIVE_INFINITY) {
  const expected = Number.isFinite(max) ? `a number greater than 0 and at most ${max}` : 'a number greater than 0'
  return Flags.custom<number>({
    async parse(input) {
      const value = input.trim() === '' ? Number.NaN : Number(input)
      if (!Number.isFinite(value) || value <= 0 || value > max) throw minerUsageError(`Expected ${expected} but received: ${input}`)
      return value
    },
  })
}

/** Seconds on a timer (see MAX_TIMER_SECONDS). */
const secondsFlag = positiveNumberFlag(MAX_TIMER_SECONDS)

export const minerBackendFlags = {
  'miner-id': Flags.string({
    summary: 'This miner\'s id (letters, digits, "._:-") [default: the host name].',
    env: 'AITBC_MINER_ID',
  }),
  backend: Flags.option({
    options: BACKEND_KINDS,
    summary: 'Inference backend [default: ollama, or command when --command is given].',
    env: 'AITBC_BACKEND',
  })(),
  'backend-url': Flags.string({
    summary: `Backend URL [default: ${DEFAULT_BACKEND_URLS.ollama} for ollama, ${DEFAULT_BACKEND_URLS.openai} for openai].`,
    env: 'AITBC_BACKEND_URL',
  }),
  'backend-api-key': Flags.string({
    summary: 'Bearer key for an OpenAI-compatible server that wants one (vLLM --api-key and the like).',
    env: 'AITBC_BACKEND_API_KEY',
  }),
  command: Flags.string({
    summary: 'For --backend command: the shell command that runs a job (prompt on stdin, result on stdout).',
  }),
  model: Flags.string({
    summary: 'A model to serve; repeat for several [default: every model the backend lists].',
    multiple: true,
  }),
  'backend-max-answer-mib': positiveNumberFlag()({
    summary: `Largest answer accepted from the backend for one call (a JSON answer, a whole stream or one line of it, a command's output), in MiB [default: ${DEFAULT_MAX_ANSWER_BYTES / 1024 / 1024}].`,
    env: 'AITBC_BACKEND_MAX_ANSWER_MIB',
  }),
  'backend-list-timeout': secondsFlag({
    summary: `For ollama and openai: seconds the backend may take to list its models (at start, in miner doctor, and to see whether it is back) [default: ${DEFAULT_LIST_TIMEOUT_MS / 1000}].`,
  }),
  'probe-timeout': secondsFlag({
    summary: `For --backend command: seconds its test prompt may run (miner doctor fails a slower command; miner run, checking that a command is found again, takes one still running as found) [default: ${DEFAULT_PROBE_TIMEOUT_MS / 1000}].`,
  }),
}

export interface MinerBackendFlagValues {
  'miner-id'?: string
  backend?: BackendKind
  'backend-url'?: string
  'backend-api-key'?: string
  command?: string
  model?: string[]
  'backend-max-answer-mib'?: number
  'backend-list-timeout'?: number
  'probe-timeout'?: number
}

/** The openapi MinerId pattern. */
const MINER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

export function minerIdFrom(flags: MinerBackendFlagValues): string {
  const id = flags['miner-id'] ?? hostname().replace(/[^A-Za-z0-9._:-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 128)
  if (!MINER_ID.test(id)) {
    throw minerUsageError(`Invalid miner id: ${JSON.stringify(id)}.`, 'Pass --miner-id with letters, digits and "._:-" (at most 128, starting with a letter or digit).')
  }
  return id
}

export function backendSettingsFrom(flags: MinerBackendFlagValues): BackendSettings {
  const kind = flags.backend ?? (flags.command ? 'command' : 'ollama')
  const limits = backendLimitsFrom(flags)
  if (kind !== 'command' && limits.probeTimeoutMs !== undefined) throw minerUsageError(`--probe-timeout is for --backend command, not --backend ${kind}.`)
  if (kind === 'command' && limits.listTimeoutMs !== undefined) throw minerUsageError('--backend-list-timeout is for --backend ollama and openai: a command lists no models.')
  if (kind === 'command') {
    if (!flags.command) throw minerUsageError('--backend command needs --command.', "For example: --command 'ollama run llama3.2' --model llama3.2")
    if (!flags.model?.length) {
      throw minerUsageError('--backend command needs --model: a command cannot list the models it serves.', 'Pass --model NAME for each model name jobs will ask for.')
    }
    return {kind, command: flags.command, ...limits}
  }
  if (flags.command) throw minerUsageError(`--command is for --backend command, not --backend ${kind}.`)
  return {kind, url: flags['backend-url'], apiKey: flags['backend-api-key'], ...limits}
}

/** The limits the flags set; a flag not given is left out, for the backend's default. */
function backendLimitsFrom(flags: MinerBackendFlagValues): BackendLimits {
  const mib = flags['backend-max-answer-mib']
  const seconds = (value: number | undefined) => (value === undefined ? undefined : value * 1000)
  const limits: BackendLimits = {
    maxAnswerBytes: mib === undefined ? undefined : Math.max(1, Math.floor(mib * 1024 * 1024)),
    listTimeoutMs: seconds(flags['backend-list-timeout']),
    probeTimeoutMs: seconds(flags['probe-timeout']),
  }
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined))
}

/** Where `miner run` keeps results the coordinator has not acknowledged yet, one file per miner id. */
export function undeliveredFile(stateDir: string, minerId: string): string {
  return path.join(stateDir, `${minerId.replaceAll(':', '_')}.undelivered.json`)
}
