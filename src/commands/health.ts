import {ApiCommand} from '../cli/api-command.js'
import {getHealth} from '../client/calls.js'

export default class Health extends ApiCommand<typeof Health> {
  static summary = 'Check that the coordinator is up.'
  static description = 'Calls GET /health and prints the status and the coordinator version.'
  static examples = ['<%= config.bin %> health', '<%= config.bin %> health --url http://127.0.0.1:8001 --json']

  async run() {
    const client = await this.client()
    const health = await getHealth(client)
    this.line(`${health.status} (coordinator ${health.version}, ${(await this.connection()).url})`)
    return health
  }
}
