import {ApiCommand} from '../../cli/api-command.js'
import {blockFields, TRANSACTION_TABLE_HEAD, transactionRow} from '../../cli/ledger-render.js'
import {integerArg} from '../../cli/number-flags.js'
import {renderTable} from '../../cli/render.js'
import {fetchWholeBlock} from '../../client/blocks.js'

export default class ExplorerBlock extends ApiCommand<typeof ExplorerBlock> {
  static summary = 'Show one ledger block and its transactions.'
  static description = `Public: no API key needed. Shows the block header (hashes, Merkle root, signature) and a table of its transactions.
With --json: the block with every transaction in full (transaction_list). Exit 3 if there is no block at that height.`

  static examples = ['<%= config.bin %> explorer block 0', '<%= config.bin %> explorer block 12 --json']

  static args = {
    height: integerArg(0)({description: 'Block height (0 is the first block).', required: true}),
  }

  async run() {
    const client = await this.client()
    const block = await fetchWholeBlock(client, this.args.height)
    this.line(blockFields(block))
    if (block.transaction_list.length > 0) {
      this.line()
      this.line(await renderTable(TRANSACTION_TABLE_HEAD, block.transaction_list.map((tx) => transactionRow(tx))))
    }
    return block
  }
}
