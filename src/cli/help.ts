// oclif's help, with one change: `aitbc help jbos` answers as `aitbc jbos` does (the command_not_found
// hook: `unknown command "jbos"`, "Did you mean this?", exit 2) instead of oclif's bare
// "Command jbos not found.".
import {Help} from '@oclif/core'

const NOT_FOUND = /^Command (.+) not found\.$/

export default class AitbcHelp extends Help {
  override async showHelp(argv: string[]): Promise<void> {
    try {
      await super.showHelp(argv)
    } catch (error) {
      const subject = error instanceof Error ? NOT_FOUND.exec(error.message)?.[1] : undefined
      if (subject === undefined) throw error
      // oclif names the subject with its own separator (`jbos:list`), as the hook expects its id.
      await this.config.runHook('command_not_found', {argv: argv.filter((arg) => arg.startsWith('-')), id: subject.replaceAll(' ', ':')}).catch((exit: unknown) => {
        // The hook has written its message and exits 2. The help plugin runs on its own copy of
        // @oclif/core, whose exit the bundle's error handler takes for an error to print: it is not one.
        if (exit instanceof Error) Object.assign(exit, {skipOclifErrorHandling: true})
        throw exit
      })
      throw error
    }
  }
}
