import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {usageError} from '../../cli/errors.js'
import {isSecret, normalizeSetting, SETTING_NAMES, storeSetting, viewSetting} from '../../cli/profile-settings.js'

export default class ConfigSet extends BaseCommand<typeof ConfigSet> {
  static summary = 'Set a setting (url, api-key) of a profile.'
  static description = `Changes the profile named by --profile / AITBC_PROFILE, else the current one (\`aitbc config use\`); the profile is created if needed.
VALUE "-" reads the value from stdin. For api-key, leave VALUE out to be asked for it (hidden) on a terminal: a key on the command line is visible to other users of the machine.
The config file is private to you (mode 0600). Flags and environment variables (--url, AITBC_URL, --api-key, AITBC_API_KEY) override what is set here.`

  static examples = [
    '<%= config.bin %> config set url http://127.0.0.1:8001',
    '<%= config.bin %> config set api-key',
    '<%= config.bin %> config set api-key - < client.key',
    '<%= config.bin %> config set url https://coordinator.example.com --profile prod',
  ]

  static args = {
    key: Args.string({description: 'The setting.', options: SETTING_NAMES, required: true}),
    value: Args.string({description: 'The value; "-" reads it from stdin.'}),
  }

  async run() {
    const key = this.args.key as (typeof SETTING_NAMES)[number]
    const value = normalizeSetting(key, await this.readValue(key))
    const config = await this.userConfig()
    const profileName = await this.profileName()
    storeSetting(config, profileName, key, value)
    this.note(`Set ${key} in profile "${profileName}".`)
    return viewSetting(profileName, config.profile(profileName), key)
  }

  private async readValue(key: (typeof SETTING_NAMES)[number]): Promise<string> {
    if (this.args.value === '-') return this.io.readStdin()
    if (this.args.value !== undefined) return this.args.value
    if (isSecret(key) && this.io.canPrompt(this.jsonEnabled())) return this.io.prompter.password('API key:', {mask: true})
    throw usageError(`No value given for ${key}.`, `Pass it: \`aitbc config set ${key} VALUE\`, or "-" to read it from stdin.`)
  }
}
