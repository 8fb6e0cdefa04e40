import {Args, Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {confirmOrAbort} from '../../cli/confirm.js'
import {usageError} from '../../cli/errors.js'
import {comparePinnedKeys, fetchCoordinatorKeys, signingKeyChangedError, warnSigningKeyChanged} from '../../cli/key-pinning.js'
import {KEY_ID_TOKEN, keyIdArgument, MANUAL_SOURCE, TrustStore} from '../../cli/trust-store.js'

export default class KeysTrust extends ApiCommand<typeof KeysTrust> {
  static summary = 'Trust a signing key: one you give, or the coordinator\'s.'
  static description = `Pins a key in this profile: receipts and blocks it signs will verify. Pin a key only when you know it is the coordinator's, e.g. from its operator.
With --from-coordinator, fetches the coordinator's keys (GET /v1/keys, no API key needed), shows them and asks before pinning on an interactive terminal; elsewhere pass --yes (without it the command refuses, exit 2).
If the coordinator offers none of the keys the profile already trusts, a warning says so loudly (it may be impersonated, or its key replaced) and nothing is pinned (exit 10), even with --yes, as ssh refuses a changed host key: once its operator confirms the new key through another channel, pass --accept-changed-key, or pin it with \`aitbc keys trust KEY_ID\`.`

  static examples = [
    '<%= config.bin %> keys trust 6kpsY-KcUgq-9VB7Ey7F-ZVHdq6-vnuSQh7qaRRG0iw',
    '<%= config.bin %> keys trust --from-coordinator',
    '<%= config.bin %> keys trust --from-coordinator --url https://coordinator.example.com --yes',
  ]

  // A key id may start with '-': `aitbc keys trust -Xk…` needs no `--`.
  static dashArgument = KEY_ID_TOKEN

  static args = {
    key_id: Args.string({description: 'The key id (base64url) or the public key (hex).'}),
  }

  static flags = {
    'from-coordinator': Flags.boolean({summary: "Fetch and pin the coordinator's signing keys (GET /v1/keys)."}),
    yes: Flags.boolean({char: 'y', summary: 'Pin the coordinator\'s keys without asking.'}),
    'accept-changed-key': Flags.boolean({
      summary: 'With --from-coordinator: pin its keys even though it offers none of the keys this profile trusts (--yes never does).',
      dependsOn: ['from-coordinator'],
    }),
  }

  async run() {
    const store = new TrustStore(await this.userConfig(), await this.profileName())
    if (this.flags['from-coordinator']) return this.trustCoordinatorKeys(store)
    if (this.args.key_id === undefined) throw usageError('Give the KEY_ID to trust, or --from-coordinator.')
    const keyId = keyIdArgument(this.args.key_id, 'KEY_ID')
    const added = store.add([keyId], MANUAL_SOURCE)
    this.note(added.length > 0 ? `Trusting ${keyId} in profile "${store.profile}".` : `${keyId} was already trusted in profile "${store.profile}".`)
    return {profile: store.profile, added, trusted: store.keyIds().has(keyId)}
  }

  private async trustCoordinatorKeys(store: TrustStore) {
    const {url} = await this.connection()
    const {keys, ignored} = await fetchCoordinatorKeys(await this.client())
    for (const key of ignored) this.note(`Ignoring ${key}: not a usable Ed25519 key (its key_id and public_key must name the same key).`)
    if (keys.length === 0) throw usageError(`The coordinator at ${url} offers no usable signing key.`)
    const check = comparePinnedKeys(store.list(), keys)
    const acceptChanged = this.flags['accept-changed-key']
    if (check.status === 'changed') {
      warnSigningKeyChanged(this.io, url, check, store.profile)
      if (!acceptChanged) throw signingKeyChangedError(url, store.profile)
    }
    const fresh = keys.filter((keyId) => !store.keyIds().has(keyId))
    if (fresh.length === 0) {
      this.note(`Already trusting the coordinator's key${keys.length > 1 ? 's' : ''} in profile "${store.profile}".`)
      return {profile: store.profile, url, added: []}
    }
    this.note(`The coordinator at ${url} signs with:\n${fresh.map((keyId) => `  ${keyId}`).join('\n')}`)
    const these = fresh.length > 1 ? 'these keys' : 'this key'
    await confirmOrAbort(this.io, {
      question: `Trust ${these} in profile "${store.profile}"?`,
      refusal: `Not pinning ${these}`,
      withYes: fresh.length > 1 ? 'pin them' : 'pin it',
      // --accept-changed-key is the stronger answer: the user has already said yes to the changed key.
      yes: this.flags.yes || (check.status === 'changed' && acceptChanged),
      json: this.jsonEnabled(),
    })
    const added = store.add(fresh, url)
    this.note(`Trusting ${added.length} key${added.length > 1 ? 's' : ''} from ${url} in profile "${store.profile}".`)
    return {profile: store.profile, url, added}
  }
}
