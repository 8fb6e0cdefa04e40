// oclif's help, with these changes: `aitbc help jbos` answers as `aitbc jbos` does (the command_not_found
// hook: `unknown command "jbos"`, "Did you mean this?", exit 2) instead of oclif's bare
// "Command jbos not found."; its text may go to a command's IO (`aitbc help`); and it leaves the
// config's commands as they were (oclif rewrites their ids to `jobs submit` as it prints them, which a
// second run in the same process, a test's, would list as commands of the root).
import {format} from 'node:util'

import {type Command, Help} from '@oclif/core'

const NOT_FOUND = /^Command (.+) not found\.$/

export default class AitbcHelp extends Help {
  /** Where the text goes: oclif's stdout unless set (`aitbc help` sets its IO's). */
  output?: (text: string) => void

  protected override log(...args: string[]): void {
    if (this.output) this.output(`${format(...args)}\n`)
    else super.log(...args)
  }

  protected override formatCommand(command: Command.Loadable): string {
    return super.formatCommand({...command})
  }

  protected override formatCommands(commands: Command.Loadable[]): string {
    return super.formatCommands(commands.map((command) => ({...command})))
  }

  override async showHelp(argv: string[]): Promise<void> {
    try {
      await super.showHelp(argv)
    } catch (error) {
      const subject = error instanceof Error ? NOT_FOUND.exec(error.message)?.[1] : undefined
      if (subject === undefined) throw error
      // oclif names the subject with its own separator (`jbos:list`), as the hook expects its id.
      // The hook writes its message and exits 2.
      await this.config.runHook('command_not_found', {argv: argv.filter((arg) => arg.startsWith('-')), id: subject.replaceAll(' ', ':')})
      throw error
    }
  }
}
