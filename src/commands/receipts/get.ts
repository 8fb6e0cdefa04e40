import {ApiCommand} from '../../cli/api-command.js'
import {receiptFields} from '../../cli/ledger-render.js'
import {idArg} from '../../cli/id-args.js'
import {getReceipt} from '../../client/calls.js'

export default class ReceiptsGet extends ApiCommand<typeof ReceiptsGet> {
  static summary = 'Show one signed receipt.'
  static description = `Shows who did the work for whom, the units and price, the hashes of the prompt and result, and the signature.
With --json: the receipt exactly as the coordinator signed it, ready for \`aitbc receipts verify\`. Exit 3 if there is no such receipt (or it is not yours).`

  static examples = [
    '<%= config.bin %> receipts get rcpt_01JD2X3Y4Z',
    '<%= config.bin %> receipts get rcpt_01JD2X3Y4Z --json > receipt.json',
  ]

  static args = {
    receipt_id: idArg('receipt id', 'The receipt to show.'),
  }

  async run() {
    const client = await this.client()
    const receipt = await getReceipt(client, this.args.receipt_id)
    this.line(receiptFields(receipt))
    return receipt
  }
}
