import {BaseCommand} from '../../cli/base-command.js'
import {SETTING_NAMES, viewSetting} from '../../cli/profile-settings.js'
import {fields} from '../../cli/render.js'

export default class ConfigList extends BaseCommand<typeof ConfigList> {
  static summary = 'Show the settings of a profile.'
  static description = `Shows the settings stored in the profile (--profile / AITBC_PROFILE, else the current one); unset settings are left out. The API key is shown masked, never in clear.
With --json: {profile, current, path, settings: {url, api-key}} with null for unset settings.`

  static examples = ['<%= config.bin %> config list', '<%= config.bin %> config list --profile prod --json']

  async run() {
    const config = await this.readConfig()
    const profileName = await this.profileName()
    const profile = config.profile(profileName)
    const views = SETTING_NAMES.map((key) => viewSetting(profileName, profile, key))
    const current = profileName === config.currentProfileName()
    this.note(`Profile "${profileName}"${current ? ' (current)' : ''}${profile ? '' : ', not created yet'}; file ${config.path}`)
    const set = views.filter((view) => view.value !== null)
    if (set.length > 0) this.line(fields(set.map((view) => [view.key, view.value])))
    return {profile: profileName, current, path: config.path, settings: Object.fromEntries(views.map((view) => [view.key, view.value]))}
  }
}
