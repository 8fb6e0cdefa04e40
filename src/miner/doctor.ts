// `aitbc miner doctor`: checks everything `miner run` needs, each with a verdict and, when it fails,
// what to do about it. Nothing here changes state on the coordinator.
import {type ApiClient, callFetch} from '../client/client.js'
import {BadAnswerError, UnreachableError} from '../client/errors.js'
import {BackendError, type BackendKind, DEFAULT_PROBE_TIMEOUT_MS, type InferenceBackend} from './backends/backend.js'
import {withDeadline} from './deadline.js'

export type CheckName = 'coordinator' | 'miner key' | 'backend' | 'models' | 'clock'
export type CheckStatus = 'ok' | 'fail' | 'skip'

export interface DoctorCheck {
  check: CheckName
  status: CheckStatus
  message: string
  /** For a failed check: what to do. */
  fix?: string
}

export interface DoctorInput {
  client: ApiClient
  url: string
  apiKey?: string
  minerId: string
  backend: InferenceBackend
  /** The models asked for with --model; none means "whatever the backend lists". */
  models?: string[]
  /** How long a command backend may take to answer the test prompt (--probe-timeout). */
  probeTimeoutMs?: number
}

/** More than this between the two clocks is a problem worth fixing. */
export const MAX_CLOCK_SKEW_SECONDS = 5
const PROBE_PROMPT = 'Say hello. (aitbc miner doctor checking that this backend answers)'

const START_BACKEND: Record<BackendKind, string> = {
  ollama: 'Start Ollama (`ollama serve`), or point --backend-url at it.',
  openai: 'Start the server (e.g. `llama-server -m model.gguf --port 8080`), or point --backend-url at it (with or without /v1); add --backend-api-key if it wants one.',
  command: 'Run the command by hand to see why, e.g. `echo hello | CMD`, and fix --command.',
}

export async function diagnose(input: DoctorInput): Promise<DoctorCheck[]> {
  const [coordinator, backend] = await Promise.all([checkCoordinator(input), checkBackend(input)])
  const coordinatorDown = 'the coordinator did not answer'
  return [
    coordinator.check,
    coordinator.check.status === 'ok' ? await checkMinerKey(input) : skipped('miner key', coordinatorDown),
    backend.check,
    backend.check.status === 'ok' ? checkModels(input, backend.models) : skipped('models', 'the backend did not answer'),
    coordinator.check.status === 'ok' ? checkClock(coordinator.timing) : skipped('clock', coordinatorDown),
  ]
}

interface Timing {
  sentAt: number
  receivedAt: number
  /** The coordinator's Date header. */
  date: string | null
}

async function checkCoordinator({client, url}: DoctorInput): Promise<{check: DoctorCheck; timing: Timing}> {
  const sentAt = Date.now()
  let timing: Timing = {sentAt, receivedAt: sentAt, date: null}
  try {
    // One try, within --request-timeout as every request (a wait for an answer has that flag already).
    const {data, response} = await client.GET('/health', {fetch: callFetch(client, {retries: 0})})
    timing = {sentAt, receivedAt: Date.now(), date: response.headers.get('date')}
    if (response.ok && data?.status === 'ok') return {check: ok('coordinator', `${url} answers (coordinator ${data.version})`), timing}
    return {
      check: fail('coordinator', `${url} answered /health with HTTP ${response.status}`, 'Is that an aitbc coordinator? Check --url, AITBC_URL or the profile.'),
      timing,
    }
  } catch (error) {
    const message = error instanceof UnreachableError || error instanceof BadAnswerError ? error.message : `cannot reach the coordinator at ${url}: ${(error as Error).message}`
    return {check: fail('coordinator', message, 'Start it (`aitbc serve`), or pass its address with --url (or AITBC_URL).'), timing}
  }
}

/** Asks for work without taking any: only a miner key may, and it changes nothing. */
async function checkMinerKey({client, apiKey, minerId}: DoctorInput): Promise<DoctorCheck> {
  const getMinerKey = 'Ask the operator for a miner key (`aitbc admin keys create --role miner --name NAME`) and pass it with AITBC_API_KEY or --api-key.'
  if (!apiKey) return fail('miner key', 'no API key given', getMinerKey)
  let answer
  try {
    answer = await client.GET('/v1/jobs/available', {params: {query: {miner_id: minerId, wait: 0}}})
  } catch (error) {
    // It answered /health, then not this (or not as the contract says): a check that fails, not a crash of the others.
    if (!(error instanceof UnreachableError || error instanceof BadAnswerError)) throw error
    return fail('miner key', error.message, 'Check --url: is it an aitbc coordinator, reached directly? Try again.')
  }
  const {response, error} = answer
  const detail = (error as {detail?: string} | undefined)?.detail ?? `HTTP ${response.status}`
  if (response.ok) return ok('miner key', `the key has the miner role and may act as miner ${minerId}`)
  // A miner id nobody registered yet: the key passed the role check; `miner run` registers it.
  if (response.status === 404) return ok('miner key', `the key has the miner role; miner ${minerId} is not registered yet (\`miner run\` registers it)`)
  if (response.status === 401) return fail('miner key', `the coordinator does not accept this API key (${detail})`, getMinerKey)
  if (response.status === 403) {
    return fail(
      'miner key',
      `the key may not act as miner ${minerId}: ${detail}`,
      `Use a miner key (\`aitbc admin keys create --role miner --name NAME\`); if it is one, ${minerId} belongs to another key's principal: pick another --miner-id.`,
    )
  }
  return fail('miner key', `the coordinator answered HTTP ${response.status}: ${detail}`, 'Check the coordinator log; try again.')
}

async function checkBackend({backend, models, probeTimeoutMs}: DoctorInput): Promise<{check: DoctorCheck; models?: string[]}> {
  const fix = START_BACKEND[backend.kind]
  if (backend.kind === 'command') {
    const timeoutMs = probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS
    // A plain timer (./deadline.ts), as for every job: not AbortSignal.timeout.
    const deadline = withDeadline(new AbortController().signal, timeoutMs)
    const params = {max_tokens: 16, temperature: 0, top_p: 1}
    try {
      const {text} = await backend.generate({jobId: 'doctor', model: models?.[0] ?? 'doctor', prompt: PROBE_PROMPT, params}, deadline.signal)
      return {check: ok('backend', `\`${backend.target}\` ran a test prompt and printed ${Buffer.byteLength(text)} bytes`)}
    } catch (error) {
      const why = deadline.timedOut() ? `did not finish within ${timeoutMs / 1000} s (--probe-timeout raises the limit)` : (error as Error).message
      return {check: fail('backend', `\`${backend.target}\` failed a test prompt: ${why}`, fix)}
    } finally {
      deadline.clear()
    }
  }
  try {
    const listed = (await backend.listModels()) ?? []
    // The names include Ollama's aliases ("llama3.2" for "llama3.2:latest"); one model is counted once.
    const count = new Set(listed.map((name) => name.replace(/:latest$/, ''))).size
    return {check: ok('backend', `${backend.kind} at ${backend.target} answers and lists ${count} model${count === 1 ? '' : 's'}`), models: listed}
  } catch (error) {
    if (!(error instanceof BackendError)) throw error
    return {check: fail('backend', error.message, fix)}
  }
}

function checkModels({backend, models: requested}: DoctorInput, listed: string[] | undefined): DoctorCheck {
  if (backend.kind === 'command') {
    return ok('models', `the command is given each job's model (AITBC_MODEL); it serves ${requested?.join(', ')} as told`)
  }
  const served = listed ?? []
  const where = `${backend.kind} at ${backend.target}`
  if (!requested?.length) {
    if (served.length > 0) return ok('models', `${where} serves ${served.join(', ')}; the miner offers them all`)
    return fail('models', `${where} serves no model`, pullHint(backend.kind, ['llama3.2']))
  }
  const missing = requested.filter((model) => !served.includes(model))
  if (missing.length === 0) return ok('models', `${where} serves ${requested.join(', ')}`)
  const has = served.length > 0 ? `it serves ${served.join(', ')}` : 'it serves none'
  return fail('models', `${where} does not serve ${missing.join(', ')} (${has})`, pullHint(backend.kind, missing))
}

function pullHint(kind: BackendKind, models: string[]): string {
  if (kind === 'ollama') return `Pull it: ${models.map((model) => `\`ollama pull ${model}\``).join(', ')}; or pass --model with a model it has.`
  return 'Load it in the server, or pass --model with a name from its GET /v1/models.'
}

/** The Date header is whole seconds: the coordinator's time lies in [date, date + 1 s). */
function checkClock({sentAt, receivedAt, date}: Timing): DoctorCheck {
  const coordinatorMs = date ? Date.parse(date) : Number.NaN
  if (!Number.isFinite(coordinatorMs)) return skipped('clock', 'the coordinator sent no usable Date header')
  const ahead = sentAt - (coordinatorMs + 1000)
  const behind = coordinatorMs - receivedAt
  const skewSeconds = Math.max(ahead, behind, 0) / 1000
  if (skewSeconds <= MAX_CLOCK_SKEW_SECONDS) return ok('clock', `agrees with the coordinator's (within ${MAX_CLOCK_SKEW_SECONDS} s)`)
  return fail(
    'clock',
    `this machine's clock is ${Math.round(skewSeconds)} s ${ahead > 0 ? 'ahead of' : 'behind'} the coordinator's`,
    'Synchronise it with NTP (e.g. `sudo timedatectl set-ntp true`), or tell the coordinator\'s operator if theirs is off.',
  )
}

function ok(check: CheckName, message: string): DoctorCheck {
  return {check, status: 'ok', message}
}

function fail(check: CheckName, message: string, fix: string): DoctorCheck {
  return {check, status: 'fail', message, fix}
}

function skipped(check: CheckName, because: string): DoctorCheck {
  return {check, status: 'skip', message: `not checked: ${because}`}
}

/** A fixed-width line per check, for people. */
export function describeCheck(check: DoctorCheck): string {
  const verdict = {ok: 'ok  ', fail: 'FAIL', skip: 'skip'}[check.status]
  const line = `${verdict}  ${check.check.padEnd(11)}  ${check.message}`
  return check.fix ? `${line}\n${' '.repeat(19)}fix: ${check.fix}` : line
}

/** Exit 0 only when every check passed: a skipped one is not a pass. */
export function allPassed(checks: DoctorCheck[]): boolean {
  return checks.every((check) => check.status === 'ok')
}
