import {Flags} from '@oclif/core'

import {AitbcCommand} from '../../cli/base-command.js'
import {CliError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {DataDirError, initDataDir, keepNewFilesPrivate, type InitResult} from '../../server/data-dir.js'
import {lockDataDir} from '../../server/data-dir-lock.js'
import {formatInitReport} from '../../server/init-report.js'
import {shutdownSignal} from '../../server/run-server.js'

export default class ServeInit extends AitbcCommand<typeof ServeInit> {
  static summary = 'Create a coordinator data directory and its first API keys.'
  static description = [
    'Creates --data-dir with an Ed25519 signing key (file mode 0600), an empty store whose ledger starts with a genesis block, and one API key for each role: admin, client and miner (principal names "admin", "client" and "miner").',
    'The keys are printed once and only their hashes are kept: store them now. With --json, prints exactly one JSON object: data_dir, admin_key, client_key, miner_key, key_id, public_key.',
    'An already initialised directory is left untouched and the command fails. The files are made aside and moved into place last, so a failure or Ctrl-C leaves no half-made directory.',
    '--data-dir defaults to the aitbc data directory (for example ~/.local/share/aitbc; AITBC_DATA_DIR moves it).',
  ].join('\n\n')
  static examples = ['<%= config.bin %> serve init', '<%= config.bin %> serve init --data-dir ./coordinator --json']
  static flags = {
    'data-dir': Flags.string({summary: 'Directory to create (default: the aitbc data directory).'}),
  }

  async run(): Promise<InitResult> {
    const dataDir = this.flags['data-dir'] ?? this.config.dataDir
    keepNewFilesPrivate()
    const interrupt = new AbortController()
    void shutdownSignal().then(() => interrupt.abort())
    let result: InitResult
    try {
      const lock = await lockDataDir(dataDir)
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
}
