import {Flags} from '@oclif/core'

import {AitbcCommand} from '../../cli/base-command.js'
import {databaseUrlFlag, keyFileFlag} from '../../cli/database-flags.js'
import {CliError, usageError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {secondsFlag} from '../../cli/number-flags.js'
import {DataDirError, initDataDir, keepNewFilesPrivate, type InitResult} from '../../server/data-dir.js'
import {lockDataDir} from '../../server/data-dir-lock.js'
import {formatInitReport} from '../../server/init-report.js'
import {shutdownSignal} from '../../server/run-server.js'
import {SERVE_DEFAULTS, startFailure, storeStartFromFlags} from '../../server/serve-flags.js'
import {checkDatabaseUrl, initCoordinatorDatabase, type DatabaseInitResult} from '../../server/store/postgres/coordinator-database.js'

export default class ServeInit extends AitbcCommand<typeof ServeInit> {
  static summary = 'Create a coordinator data directory and its first API keys.'
  static description = [
    'Creates --data-dir with an Ed25519 signing key (file mode 0600), an empty store whose ledger starts with a genesis block, and one API key for each role: admin, client and miner (principal names "admin", "client" and "miner").',
    'The keys are printed once and only their hashes are kept: store them now. With --json, prints exactly one JSON object: data_dir, admin_key, client_key, miner_key, key_id, public_key.',
    'An already initialised directory is left untouched and the command fails. The files are made aside and moved into place last, so a failure or Ctrl-C leaves no half-made directory.',
    '--data-dir defaults to the aitbc data directory (for example ~/.local/share/aitbc; AITBC_DATA_DIR moves it).',
    'With --database postgres://… (or AITBC_DATABASE_URL) the coordinator is created in that PostgreSQL database instead (schema, API keys, genesis block), signed with --key-file: an existing key file is used, a missing one is created (mode 0600). Every replica then runs "aitbc serve --database URL --key-file FILE". A database that already holds a coordinator is left untouched and the command fails. With --json: database, key_file, admin_key, client_key, miner_key, key_id, public_key.',
  ].join('\n\n')
  static examples = [
    '<%= config.bin %> serve init',
    '<%= config.bin %> serve init --data-dir ./coordinator --json',
    '<%= config.bin %> serve init --database postgres://aitbc@db.internal/aitbc --key-file ./signing-key.pem',
  ]
  static flags = {
    'data-dir': Flags.string({summary: 'Directory to create (default: the aitbc data directory).'}),
    database: databaseUrlFlag,
    'key-file': keyFileFlag,
    // Not with --database (no directory is locked there), so no oclif default: a defaulted flag always counts as given.
    'lock-wait': secondsFlag({
      summary: `Seconds a refusal because another process holds --data-dir waits for that one to say its pid, to name it [default: ${SERVE_DEFAULTS.lockWait}].`,
    }),
  }

  async run(): Promise<InitResult | DatabaseInitResult> {
    if (this.flags.database !== undefined) {
      if (this.flags['lock-wait'] !== undefined) throw usageError('--lock-wait is for a data directory; a coordinator on --database (PostgreSQL) takes no lock on one')
      return this.initDatabase(this.flags.database)
    }
    if (this.flags['key-file'] !== undefined) throw usageError('--key-file is for --database; a data directory keeps its own key')
    // What the run changes of its process (umask, signal handlers) it puts back on every way out.
    const restoreUmask = keepNewFilesPrivate()
    const shutdown = shutdownSignal()
    try {
      return await this.initDirectory(shutdown.received)
    } finally {
      shutdown.dispose()
      restoreUmask()
    }
  }

  private async initDirectory(received: Promise<NodeJS.Signals>): Promise<InitResult> {
    const dataDir = this.flags['data-dir'] ?? this.config.dataDir
    const interrupt = new AbortController()
    void received.then(() => interrupt.abort())
    let result: InitResult
    try {
      const lock = await lockDataDir(dataDir, storeStartFromFlags(this.flags).lockWaitMs)
      try {
        result = await initDataDir(dataDir, interrupt.signal)
      } finally {
        await lock.release()
      }
    } catch (error) {
      if (interrupt.signal.aborted) throw new CliError(`Interrupted; nothing was created in ${dataDir}.`, {exitCode: ExitCode.INTERRUPTED, code: 'interrupted'})
      if (error instanceof DataDirError) throw new CliError(error.message, {code: 'init_failed'})
      throw error
    }
    for (const line of formatInitReport(result)) this.line(line)
    return result
  }

  private async initDatabase(url: string): Promise<DatabaseInitResult> {
    const keyFile = this.flags['key-file']
    if (keyFile === undefined) throw usageError('serve init --database needs --key-file FILE: the signing key every replica will use (created if missing)')
    if (this.flags['data-dir'] !== undefined) throw usageError('--data-dir and --database are two different stores; give one')
    try {
      checkDatabaseUrl(url)
    } catch (error) {
      throw usageError((error as Error).message)
    }
    const restoreUmask = keepNewFilesPrivate()
    let result: DatabaseInitResult
    try {
      result = await initCoordinatorDatabase({connectionString: url}, keyFile)
    } catch (error) {
      if (startFailure(error)) throw new CliError((error as Error).message, {code: 'init_failed'})
      throw error
    } finally {
      restoreUmask()
    }
    this.line(`Initialised ${result.database}`)
    this.line(`Signing key: ${result.key_file}`)
    for (const line of formatInitReport({...result, data_dir: result.database}).slice(1)) this.line(line)
    return result
  }
}
