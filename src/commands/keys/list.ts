import {BaseCommand} from '../../cli/base-command.js'
import {NO_TRUSTED_KEYS_HINT, TrustStore} from '../../cli/trust-store.js'

export default class KeysList extends BaseCommand<typeof KeysList> {
  static summary = 'List the signing keys this profile trusts.'
  static description = `Receipts and blocks verify only against these keys (or against --key where a command offers it). Each shows where it came from: the coordinator URL it was pinned from (\`aitbc login\`, \`aitbc keys trust --from-coordinator\`) or "manual" (\`aitbc keys trust KEY_ID\`).
With --json: an array of {key_id, source, added_at}.`

  static examples = ['<%= config.bin %> keys list', '<%= config.bin %> keys list --profile prod --json']

  async run() {
    const store = new TrustStore(await this.readConfig(), await this.profileName())
    const keys = store.list()
    if (keys.length === 0) this.note(`No trusted keys in profile "${store.profile}". ${NO_TRUSTED_KEYS_HINT}`)
    else this.line(await this.table([{head: 'KEY ID', shorten: 'middle'}, {head: 'SOURCE', shorten: 'end'}, 'ADDED'], keys.map((key) => [key.key_id, key.source, key.added_at])))
    return keys
  }
}
