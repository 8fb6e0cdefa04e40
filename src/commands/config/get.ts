import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {SETTING_NAMES, viewSetting} from '../../cli/profile-settings.js'

export default class ConfigGet extends BaseCommand<typeof ConfigGet> {
  static summary = 'Print a setting of a profile.'
  static description = `Prints the value stored in the profile (--profile / AITBC_PROFILE, else the current one), or nothing when it is not set (a note on stderr says so; exit 0).
An API key is never printed: you see that it is set, masked.
With --json: {profile, key, set, value}.`

  static examples = ['<%= config.bin %> config get url', '<%= config.bin %> config get api-key --profile prod --json']

  static args = {
    key: Args.string({description: 'The setting.', options: SETTING_NAMES, required: true}),
  }

  async run() {
    const config = await this.readConfig()
    const profileName = await this.profileName()
    const view = viewSetting(profileName, config.profile(profileName), this.args.key as (typeof SETTING_NAMES)[number])
    if (view.value === null) this.note(`${view.key} is not set in profile "${profileName}".`)
    else this.line(view.value)
    return view
  }
}
