import {BaseCommand} from '../../cli/base-command.js'
import {viewSetting} from '../../cli/profile-settings.js'

export default class ConfigProfiles extends BaseCommand<typeof ConfigProfiles> {
  static summary = 'List the configured profiles.'
  static description = `A table of profile, whether it is current, its URL and whether an API key is set (never the key).
With --json: an array of {name, current, url, api_key_set}.`

  static examples = ['<%= config.bin %> config profiles', '<%= config.bin %> config profiles --json']

  async run() {
    const config = await this.readConfig()
    const currentName = config.currentProfileName()
    const profiles = config.profileNames().map((name) => {
      const profile = config.profile(name)
      return {name, current: name === currentName, url: viewSetting(name, profile, 'url').value, api_key_set: viewSetting(name, profile, 'api-key').set}
    })
    if (profiles.length === 0) this.note('No profiles yet; create one with `aitbc config set url URL` or `aitbc login`.')
    else {
      const rows = profiles.map((p) => [p.current ? `* ${p.name}` : `  ${p.name}`, p.url ?? '-', p.api_key_set ? 'set' : '-'])
      this.line(await this.table(['  PROFILE', {head: 'URL', shorten: 'end'}, 'API KEY'], rows))
    }
    return profiles
  }
}
