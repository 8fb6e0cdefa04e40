import {BaseCommand} from '../../cli/base-command.js'
import {CliError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {KEY_ID_TOKEN, keyIdArgument, TrustStore} from '../../cli/trust-store.js'
import {idArg} from '../../cli/id-args.js'

export default class KeysUntrust extends BaseCommand<typeof KeysUntrust> {
  static summary = 'Stop trusting a signing key.'
  static description = `Removes the key from this profile's trusted keys: receipts and blocks it signed no longer verify (untrusted_key) unless it is passed with --key.
Exit 3 if the key was not trusted.`

  static examples = ['<%= config.bin %> keys untrust 6kpsY-KcUgq-9VB7Ey7F-ZVHdq6-vnuSQh7qaRRG0iw']

  // A key id may start with '-': `aitbc keys trust -Xk…` needs no `--`.
  static dashArgument = KEY_ID_TOKEN

  static args = {
    key_id: idArg('key id', 'The key id (base64url) or the public key (hex).'),
  }

  async run() {
    const keyId = keyIdArgument(this.args.key_id, 'KEY_ID')
    const store = new TrustStore(await this.userConfig(), await this.profileName())
    if (!store.remove(keyId)) {
      throw new CliError(`Key ${keyId} is not trusted in profile "${store.profile}".`, {exitCode: ExitCode.NOT_FOUND, code: 'not_found', hint: 'See `aitbc keys list`.'})
    }
    this.note(`No longer trusting ${keyId} in profile "${store.profile}".`)
    return {key_id: keyId, profile: store.profile, trusted: false}
  }
}
