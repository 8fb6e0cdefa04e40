import {Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {RECEIPT_TABLE_HEAD, receiptRow} from '../../cli/ledger-render.js'
import {allPages, beforeFlag, nextPageNote} from '../../cli/pages.js'
import {MAX_PAGE_SIZE} from '../../client/client.js'
import {listReceipts} from '../../client/calls.js'
import {listAllReceipts, MAX_PAGES} from '../../client/pages.js'

export default class ReceiptsList extends ApiCommand<typeof ReceiptsList> {
  static summary = 'List signed receipts, newest first.'
  static description = `A client key sees receipts for its own jobs, a miner key those it provided, an admin key all.
--client narrows to one client (the principal name of the key that submitted), --provider to one miner (its miner id).
One page by default (--limit); when more follow, the next page is --before the last receipt's id, as a note says.
--all follows every page (${MAX_PAGE_SIZE} receipts a request, at most ${MAX_PAGES} requests), each receipt once even while receipts are issued.
--offset skips receipts by count, as older versions paged; a receipt issued between two pages shifts the later ones.
With --json: an array of receipts, signatures included (check them with \`aitbc receipts verify\`).`

  static examples = [
    '<%= config.bin %> receipts list',
    '<%= config.bin %> receipts list --provider gpu-1 --limit 50',
    '<%= config.bin %> receipts list --before rcpt_01KBQ4Y0Z8G6W3T0M7N5C2H1XA',
    '<%= config.bin %> receipts list --all --json > receipts.json',
  ]

  static flags = {
    client: Flags.string({summary: 'Only receipts of this client (principal name).'}),
    provider: Flags.string({summary: 'Only receipts of this provider (miner id).'}),
    limit: Flags.integer({summary: 'Receipts per page (1-100) [default: 20].', min: 1, max: MAX_PAGE_SIZE}),
    before: beforeFlag('receipt', 'issued'),
    offset: Flags.integer({summary: 'Skip this many receipts (after --before, if given) [default: 0].', min: 0}),
    // Exclusive on this side only, as jobs list's --all (oclif's usage line prints a group once).
    all: Flags.boolean({summary: 'Follow every page.', exclusive: ['limit', 'before', 'offset']}),
  }

  async run() {
    const {client: clientName, provider, limit, before, offset, all} = this.flags
    const client = await this.client()
    let receipts
    let next: string | undefined
    if (all) receipts = await allPages(listAllReceipts(client, {client: clientName, provider}), 'receipt', '--client or --provider', (text) => this.note(text))
    else ({items: receipts, next} = await listReceipts(client, {client: clientName, provider, limit, before, offset}))
    if (receipts.length === 0) this.note('No receipts.')
    else this.line(await this.table(RECEIPT_TABLE_HEAD, receipts.map((receipt) => receiptRow(receipt))))
    if (next) this.note(nextPageNote('receipt', next))
    return receipts
  }
}
