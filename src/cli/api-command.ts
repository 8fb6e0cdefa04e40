// Commands that talk to a coordinator: --url and --api-key, resolved flag > env > profile > default.
import {Command, Flags} from '@oclif/core'

import {type ApiClient, createApiClient, DEFAULT_URL} from '../client/client.js'
import {BaseCommand} from './base-command.js'

export interface Connection {
  url: string
  apiKey?: string
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
  }

  private clientInstance?: ApiClient

  /** Where to connect and with which key; the config file is read only when a flag or env var is missing. */
  protected async connection(): Promise<Connection> {
    const {flags} = this as unknown as {flags: {url?: string; 'api-key'?: string}}
    if (flags.url && flags['api-key']) return {url: flags.url, apiKey: flags['api-key']}
    const profile = await this.activeProfile()
    return {url: flags.url ?? profile.url ?? DEFAULT_URL, apiKey: flags['api-key'] ?? profile.api_key}
  }

  protected async client(): Promise<ApiClient> {
    if (!this.clientInstance) {
      const {url, apiKey} = await this.connection()
      this.clientInstance = createApiClient({baseUrl: url, apiKey, userAgent: `aitbc/${this.config.version}`})
    }
    return this.clientInstance
  }
}
