import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {checkProfileName} from '../../cli/config.js'
import {CliError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'

export default class ConfigUse extends BaseCommand<typeof ConfigUse> {
  static summary = 'Switch the current profile.'
  static description = `Commands use the current profile unless --profile or AITBC_PROFILE names another. The profile must exist (exit 3 otherwise): create it with \`aitbc config set ... --profile NAME\` or \`aitbc login --profile NAME\`.`

  static examples = ['<%= config.bin %> config use prod', '<%= config.bin %> config use default']

  static args = {
    name: Args.string({description: 'The profile to make current.', required: true, parse: async (input) => checkProfileName(input)}),
  }

  async run() {
    const {name} = this.args
    const config = await this.userConfig()
    if (!config.profile(name)) {
      const known = config.profileNames()
      throw new CliError(`There is no profile "${name}".`, {
        exitCode: ExitCode.NOT_FOUND,
        code: 'not_found',
        hint: `${known.length > 0 ? `Profiles: ${known.join(', ')}. ` : ''}Create it with \`aitbc config set url URL --profile ${name}\`.`,
      })
    }
    config.setCurrentProfile(name)
    this.note(`Now using profile "${name}".`)
    return {current_profile: name}
  }
}
