import {Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {RECEIPT_TABLE_HEAD, receiptRow} from '../../cli/ledger-render.js'
import {MAX_PAGE_SIZE} from '../../client/client.js'
import {listReceipts} from '../../client/calls.js'

export default class ReceiptsList extends ApiCommand<typeof ReceiptsList> {
  static summary = 'List signed receipts, newest first.'
  static description = `A client key sees receipts for its own jobs, a miner key those it provided, an admin key all.
--client narrows to one client (the principal name of the key that submitted), --provider to one miner (its miner id). With --json: an array of receipts, signatures included (check them with \`aitbc receipts verify\`).`

  static examples = [
    '<%= config.bin %> receipts list',
    '<%= config.bin %> receipts list --provider gpu-1 --limit 50',
    '<%= config.bin %> receipts list --json > receipts.json',
  ]

  static flags = {
    client: Flags.string({summary: 'Only receipts of this client (principal name).'}),
    provider: Flags.string({summary: 'Only receipts of this provider (miner id).'}),
    limit: Flags.integer({summary: 'Receipts per page (1-100) [default: 20].', min: 1, max: MAX_PAGE_SIZE}),
    offset: Flags.integer({summary: 'Skip this many receipts [default: 0].', min: 0}),
  }

  async run() {
    const {client: clientName, provider, limit, offset} = this.flags
    const client = await this.client()
    const receipts = await listReceipts(client, {client: clientName, provider, limit, offset})
    if (receipts.length === 0) this.note('No receipts.')
    else this.line(await this.table(RECEIPT_TABLE_HEAD, receipts.map((receipt) => receiptRow(receipt))))
    return receipts
  }
}
