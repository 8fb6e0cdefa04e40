import {Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {BLOCK_TABLE_HEAD, blockRow} from '../../cli/ledger-render.js'
import {MAX_PAGE_SIZE} from '../../client/client.js'
import {listBlocks} from '../../client/calls.js'

export default class ExplorerBlocks extends ApiCommand<typeof ExplorerBlocks> {
  static summary = "List the coordinator's ledger blocks, newest first."
  static description = `Public: no API key needed. --before HEIGHT pages backwards (blocks below that height).
With --json: an array of blocks with their hashes and signatures.`

  static examples = [
    '<%= config.bin %> explorer blocks',
    '<%= config.bin %> explorer blocks --limit 50 --before 200',
    '<%= config.bin %> explorer blocks --json',
  ]

  static flags = {
    limit: Flags.integer({summary: 'Blocks to show (1-100) [default: 10].', min: 1, max: MAX_PAGE_SIZE}),
    before: Flags.integer({summary: 'Only blocks below this height.', min: 0}),
  }

  async run() {
    const {limit, before} = this.flags
    const client = await this.client()
    const blocks = await listBlocks(client, {limit, before})
    if (blocks.length === 0) this.note('No blocks yet.')
    else this.line(await this.table(BLOCK_TABLE_HEAD, blocks.map((block) => blockRow(block))))
    return blocks
  }
}
