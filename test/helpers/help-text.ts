// A command's help as `aitbc ID --help` prints it, rendered in this process by oclif's help from the
// built manifest (no process of its own), with its whitespace folded so that a wrapped line still matches.
import {Config, Help} from '@oclif/core'

import {REPO_ROOT} from './cli.js'

let config: Promise<Config> | undefined

export async function helpText(commandId: string): Promise<string> {
  config ??= Config.load({root: REPO_ROOT})
  const loaded = await config
  const command = loaded.findCommand(commandId) ?? assertNever(commandId)
  const help = new (class extends Help {
    of() {
      return this.formatCommand(command)
    }
  })(loaded, {stripAnsi: true})
  return help.of().replaceAll(/\s+/g, ' ')
}

function assertNever(commandId: string): never {
  throw new Error(`no command ${commandId} in the manifest`)
}
