import {Flags} from '@oclif/core'

import {AitbcCommand} from '../../cli/base-command.js'
import {databaseUrlFlag} from '../../cli/database-flags.js'
import {CliError, usageError} from '../../cli/errors.js'
import {DataDirError} from '../../server/data-dir.js'
import {startFailure} from '../../server/serve-flags.js'
import {checkDatabaseUrl, migrateDataDir, type MigrateResult} from '../../server/store/postgres/coordinator-database.js'

export default class ServeMigrate extends AitbcCommand<typeof ServeMigrate> {
  static summary = 'Copy an embedded coordinator (a data directory) into PostgreSQL, with its whole history.'
  static description = [
    'Copies every API key, miner, job, receipt, ledger transaction and block of --from-data-dir into the empty database --database names, verbatim and in one transaction: a failure leaves the database empty. The data directory is only read.',
    'The data directory\'s signing key stays the coordinator\'s key: run the replicas with "aitbc serve --database URL --key-file DIR/signing-key.pem" (or --data-dir DIR). Old receipts and blocks keep verifying against the same pinned key, and the ledger goes on from the next seq and height.',
    'A data directory a coordinator is still running on is refused: stop it first. A database that already holds coordinator records is refused and left as it is. With --json: database, from_data_dir, key_id and the counts copied.',
  ].join('\n\n')
  static examples = ['<%= config.bin %> serve migrate --from-data-dir ~/.local/share/aitbc --database postgres://aitbc@db.internal/aitbc']
  static flags = {
    'from-data-dir': Flags.string({summary: 'The embedded coordinator\'s data directory to copy (read only).', required: true}),
    database: databaseUrlFlag,
  }

  async run(): Promise<MigrateResult> {
    const url = this.flags.database
    if (url === undefined) throw usageError('serve migrate needs --database URL (or AITBC_DATABASE_URL): the empty PostgreSQL database to copy into')
    try {
      checkDatabaseUrl(url)
    } catch (error) {
      throw usageError((error as Error).message)
    }
    let result: MigrateResult
    try {
      result = await migrateDataDir(this.flags['from-data-dir'], {connectionString: url})
    } catch (error) {
      if (error instanceof DataDirError || startFailure(error)) throw new CliError((error as Error).message, {code: 'migrate_failed'})
      throw error
    }
    const {counts} = result
    this.line(`Copied ${result.from_data_dir} into ${result.database}`)
    this.line(
      `  ${counts.apiKeys} API keys, ${counts.miners} miners, ${counts.jobs} jobs, ${counts.receipts} receipts, ${counts.transactions} ledger transactions, ${counts.blocks} blocks`,
    )
    this.line(`Signing key id: ${result.key_id} (the data directory's signing-key.pem: give it to every replica with --key-file)`)
    return result
  }
}
