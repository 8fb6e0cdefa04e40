// `aitbc help [COMMAND]`: the help of the CLI, a topic or a command, as `aitbc COMMAND --help` shows it.
// It replaces @oclif/plugin-help's command so that it follows the rules of every aitbc command: a flag
// it does not know (`aitbc help jobs submit --json`) is a usage error naming it (exit 2), printed by
// the one error path, instead of oclif's error followed by the help of another subject.
import {stripVTControlCharacters} from 'node:util'

import {Args, Flags} from '@oclif/core'

import {AitbcCommand} from '../cli/base-command.js'
import {usageError} from '../cli/errors.js'
import AitbcHelp from '../cli/help.js'

const USAGE = 'It takes the words of a command (`aitbc help jobs submit`) and -n, --nested-commands.'
const NO_JSON = 'Help is text for people: it has no --json form.'

export default class Help extends AitbcCommand<typeof Help> {
  static summary = 'Show the help of aitbc, a topic or a command.'
  static description = 'The same text as `aitbc COMMAND --help`, on stdout; an unknown command is a usage error (exit 2) with the close ones.'
  static examples = ['<%= config.bin %> help', '<%= config.bin %> help jobs', '<%= config.bin %> help jobs submit']

  /** Help is text for people: there is no JSON form of it, so --json is an unknown flag here. */
  static enableJsonFlag = false
  /** The command's words, any number of them (`jobs submit`). */
  static strict = false

  static args = {
    command: Args.string({description: 'The command or topic, in words (`jobs submit`).', required: false}),
  }

  static flags = {
    'nested-commands': Flags.boolean({char: 'n', summary: 'List the commands under topics too.'}),
  }

  /** oclif's "See more help with --help" is no way out here: how the command is used, instead. */
  protected override async catch(error: Error & {exitCode?: number}): Promise<void> {
    const unknown = /^(Nonexistent flags?: .+)$/m.exec(error.message)?.[1]
    if (!unknown) return super.catch(error)
    return super.catch(usageError(unknown, /--json\b/.test(unknown) ? NO_JSON : USAGE))
  }

  async run(): Promise<void> {
    const help = new AitbcHelp(this.config, {...this.config.pjson.oclif.helpOptions, all: this.flags['nested-commands']})
    // oclif colours by its own guess of the terminal; colour follows the IO's rules here (NO_COLOR, a pipe).
    const color = this.io.colorEnabled('stdout')
    help.output = (text) => this.write(color ? text : stripVTControlCharacters(text))
    await help.showHelp(this.argList)
  }
}
