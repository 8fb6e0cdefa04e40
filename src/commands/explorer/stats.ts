import {ApiCommand} from '../../cli/api-command.js'
import {statsFields} from '../../cli/ledger-render.js'
import {getNetworkStats} from '../../client/calls.js'

export default class ExplorerStats extends ApiCommand<typeof ExplorerStats> {
  static summary = 'Show network statistics.'
  static description = 'Public: no API key needed. Total jobs and receipts, active miners and the ledger height. With --json: the stats object.'
  static examples = ['<%= config.bin %> explorer stats', '<%= config.bin %> explorer stats --json']

  async run() {
    const client = await this.client()
    const stats = await getNetworkStats(client)
    this.line(statsFields(stats))
    return stats
  }
}
