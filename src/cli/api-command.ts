// Commands that talk to a coordinator: --url and --api-key, resolved flag > env > profile > default, and
// the limits of every request (timeouts, answer size).
import {Command, Flags} from '@oclif/core'

import {type ApiClient, type ApiClientOptions, createApiClient, DEFAULT_URL} from '../client/client.js'
import {ApiError} from '../client/errors.js'
import {DEFAULT_STREAM_IDLE_MS, type OutputStreamOptions} from '../client/job-output-stream.js'
import {DEFAULT_LIMITS} from '../client/retrying-fetch.js'
import {BaseCommand} from './base-command.js'
import {CliError} from './errors.js'
import {ExitCode} from './exit-codes.js'
import {numberFlag, secondsFlag} from './number-flags.js'
import {coordinatorUrl} from './profile-settings.js'

export interface Connection {
  url: string
  apiKey?: string
}

/**
 * `--stream-idle-timeout` of the commands that follow a job's output stream (`jobs submit --wait`,
 * `jobs watch --stream`); `dependsOn` is the flag that makes them follow it, `prefix` says so in help.
 */
export function streamIdleTimeoutFlag(prefix: string, dependsOn: string) {
  return secondsFlag({
    summary: `${prefix}seconds the output stream may stay silent (the coordinator sends a keep-alive every 15 s) before the job is followed without it [default: ${DEFAULT_STREAM_IDLE_MS / 1000}].`,
    dependsOn: [dependsOn],
  })
}

export abstract class ApiCommand<T extends typeof Command> extends BaseCommand<T> {
  static baseFlags = {
    ...BaseCommand.baseFlags,
    url: Flags.string({
      summary: `Coordinator URL [default: ${DEFAULT_URL}].`,
      env: 'AITBC_URL',
      helpGroup: 'GLOBAL',
    }),
    'api-key': Flags.string({
      summary: 'API key. Prefer AITBC_API_KEY or a profile (`aitbc login`): a command line is visible to other users.',
      env: 'AITBC_API_KEY',
      helpGroup: 'GLOBAL',
    }),
    'connect-timeout': secondsFlag({
      summary: `Seconds to wait for a connection to the coordinator [default: ${DEFAULT_LIMITS.connectTimeoutMs / 1000}].`,
      env: 'AITBC_CONNECT_TIMEOUT',
      helpGroup: 'GLOBAL',
    }),
    'request-timeout': secondsFlag({
      summary: `Seconds a request may take to the last byte of its answer, retries included (a long poll gets its wait on top) [default: ${DEFAULT_LIMITS.requestTimeoutMs / 1000}].`,
      env: 'AITBC_REQUEST_TIMEOUT',
      helpGroup: 'GLOBAL',
    }),
    'max-answer-mib': numberFlag({min: 0, minInclusive: false})({
      summary: `Largest answer accepted from the coordinator, in MiB [default: ${DEFAULT_LIMITS.maxAnswerBytes / 1024 / 1024}].`,
      env: 'AITBC_MAX_ANSWER_MIB',
      helpGroup: 'GLOBAL',
    }),
  }

  private clientInstance?: ApiClient
  private withoutKey = false

  /** A 401 for a request sent without any key says what to set, not the header the server missed. */
  protected async catch(error: Error & {exitCode?: number}): Promise<void> {
    if (this.withoutKey && error instanceof ApiError && error.status === 401) {
      return super.catch(
        new CliError('No API key: set AITBC_API_KEY or run `aitbc login`.', {
          exitCode: ExitCode.AUTH,
          code: 'unauthorized',
          hint: 'A key comes from the coordinator\'s operator (`aitbc admin keys create`); --api-key works too, but a command line is visible to other users.',
        }),
      )
    }
    return super.catch(error)
  }

  /** Where to connect and with which key; the config file is read only when a flag or env var is missing. */
  protected async connection(): Promise<Connection> {
    const {flags} = this as unknown as {flags: {url?: string; 'api-key'?: string}}
    if (flags.url && flags['api-key']) return {url: coordinatorUrl(flags.url), apiKey: flags['api-key']}
    const profile = await this.activeProfile()
    return {url: coordinatorUrl(flags.url ?? profile.url ?? DEFAULT_URL), apiKey: flags['api-key'] ?? profile.api_key}
  }

  protected async client(): Promise<ApiClient> {
    if (!this.clientInstance) {
      const {url, apiKey} = await this.connection()
      this.withoutKey = !apiKey
      this.clientInstance = createApiClient({baseUrl: url, apiKey, userAgent: `aitbc/${this.config.version}`, ...this.requestLimits()})
    }
    return this.clientInstance
  }

  /**
   * Where and how to follow a job's output stream (GET /v1/jobs/{id}/stream), under the limits of every
   * other request: the connection within --connect-timeout, the answer's headers within
   * --request-timeout, and no more output than --max-answer-mib; then no silence longer than
   * --stream-idle-timeout (a flag of the commands that stream).
   */
  protected async streamConnection(): Promise<Omit<OutputStreamOptions, 'signal'>> {
    const {url, apiKey} = await this.connection()
    const {limits} = this.requestLimits()
    const idleSeconds = (this.flags as {'stream-idle-timeout'?: number})['stream-idle-timeout']
    return {
      baseUrl: url,
      apiKey,
      userAgent: `aitbc/${this.config.version}`,
      connectMs: limits?.connectTimeoutMs,
      headersMs: limits?.requestTimeoutMs,
      maxBytes: limits?.maxAnswerBytes,
      idleMs: idleSeconds === undefined ? undefined : idleSeconds * 1000,
    }
  }

  private requestLimits(): Pick<ApiClientOptions, 'limits' | 'limitNames'> {
    const flags = this.flags as {'connect-timeout'?: number; 'request-timeout'?: number; 'max-answer-mib'?: number}
    const seconds = (value: number | undefined) => (value === undefined ? undefined : value * 1000)
    const limits = {
      connectTimeoutMs: seconds(flags['connect-timeout']),
      requestTimeoutMs: seconds(flags['request-timeout']),
      maxAnswerBytes: flags['max-answer-mib'] === undefined ? undefined : Math.floor(flags['max-answer-mib'] * 1024 * 1024),
    }
    return {
      limits: Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)),
      limitNames: {connect: '--connect-timeout', request: '--request-timeout', size: '--max-answer-mib'},
    }
  }
}
