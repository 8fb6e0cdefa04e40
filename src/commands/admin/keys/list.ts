import {ApiCommand} from '../../../cli/api-command.js'
import {age} from '../../../cli/render.js'
import {listApiKeys} from '../../../client/calls.js'

export default class AdminKeysList extends ApiCommand<typeof AdminKeysList> {
  static summary = 'List API keys (admin); secrets are never shown.'
  static description = 'A table of name, role, age and revocation time. With --json: an array of key records (no secrets).'
  static examples = ['<%= config.bin %> admin keys list', '<%= config.bin %> admin keys list --json']

  async run() {
    const client = await this.client()
    const keys = await listApiKeys(client)
    if (keys.length === 0) this.note('No keys.')
    else this.line(await this.table([{head: 'NAME', shorten: 'end'}, 'ROLE', 'AGE', 'REVOKED'], keys.map((key) => [key.name, key.role, age(key.created_at), key.revoked_at ?? '-'])))
    return keys
  }
}
