import {Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {RECEIPT_TABLE_HEAD, receiptRow} from '../../cli/ledger-render.js'
import {MAX_PAGE_SIZE} from '../../client/client.js'
import {listPublicReceipts} from '../../client/calls.js'

export default class ExplorerReceipts extends ApiCommand<typeof ExplorerReceipts> {
  static summary = 'List recent receipts on the public explorer, newest first.'
  static description = `Public: no API key needed; shows every receipt (\`aitbc receipts list\` shows only those your key may see).
With --json: an array of signed receipts.`

  static examples = ['<%= config.bin %> explorer receipts', '<%= config.bin %> explorer receipts --limit 5 --json']

  static flags = {
    limit: Flags.integer({summary: 'Receipts to show (1-100) [default: 20].', min: 1, max: MAX_PAGE_SIZE}),
  }

  async run() {
    const client = await this.client()
    const receipts = await listPublicReceipts(client, {limit: this.flags.limit})
    if (receipts.length === 0) this.note('No receipts yet.')
    else this.line(await this.table(RECEIPT_TABLE_HEAD, receipts.map((receipt) => receiptRow(receipt))))
    return receipts
  }
}
