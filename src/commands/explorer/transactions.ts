import {Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {TRANSACTION_TABLE_HEAD, transactionRow} from '../../cli/ledger-render.js'
import {MAX_PAGE_SIZE} from '../../client/client.js'
import {listTransactions} from '../../client/calls.js'

export default class ExplorerTransactions extends ApiCommand<typeof ExplorerTransactions> {
  static summary = 'List recent ledger transactions, newest first.'
  static description = `Public: no API key needed. Every state change (job submitted, claimed, completed, receipt issued...) is a transaction; BLOCK says which block sealed it, or "pending".
With --json: an array of transactions with their data.`

  static examples = ['<%= config.bin %> explorer transactions', '<%= config.bin %> explorer transactions --limit 100 --json']

  static flags = {
    limit: Flags.integer({summary: 'Transactions to show (1-100) [default: 20].', min: 1, max: MAX_PAGE_SIZE}),
  }

  async run() {
    const client = await this.client()
    const transactions = await listTransactions(client, {limit: this.flags.limit})
    if (transactions.length === 0) this.note('No transactions yet.')
    else this.line(await this.table(TRANSACTION_TABLE_HEAD, transactions.map((tx) => transactionRow(tx))))
    return transactions
  }
}
