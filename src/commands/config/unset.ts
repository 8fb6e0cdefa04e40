import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {SETTING_NAMES, storeSetting, viewSetting} from '../../cli/profile-settings.js'

export default class ConfigUnset extends BaseCommand<typeof ConfigUnset> {
  static summary = 'Remove a setting from a profile.'
  static description = `Removes it from the profile named by --profile / AITBC_PROFILE, else the current one. Unsetting what is not set is not an error.
With --json: {profile, key, set: false, value: null}.`

  static examples = ['<%= config.bin %> config unset api-key', '<%= config.bin %> config unset url --profile prod']

  static args = {
    key: Args.string({description: 'The setting.', options: SETTING_NAMES, required: true}),
  }

  async run() {
    const key = this.args.key as (typeof SETTING_NAMES)[number]
    const config = await this.userConfig()
    const profileName = await this.profileName()
    const was = viewSetting(profileName, config.profile(profileName), key)
    if (was.set) storeSetting(config, profileName, key, undefined)
    this.note(was.set ? `Unset ${key} in profile "${profileName}".` : `${key} was not set in profile "${profileName}".`)
    return viewSetting(profileName, config.profile(profileName), key)
  }
}
