import {Flags} from '@oclif/core'

import {ApiCommand} from '../../../cli/api-command.js'
import {confirmOrAbort} from '../../../cli/confirm.js'
import {idArg} from '../../../cli/id-args.js'
import {revokeApiKey} from '../../../client/calls.js'

export default class AdminKeysRevoke extends ApiCommand<typeof AdminKeysRevoke> {
  static summary = 'Revoke an API key at once (admin).'
  static description = `The key stops working immediately; its jobs and receipts stay. On an interactive terminal you are asked to confirm; --yes skips the question. Without a terminal (scripts, CI) or with --json, it refuses (exit 2) unless --yes is given.
Exit 3 if there is no key with that name.`

  static examples = ['<%= config.bin %> admin keys revoke alice', '<%= config.bin %> admin keys revoke alice --yes --json']

  static args = {
    name: idArg('key name', 'Name of the key to revoke.'),
  }

  static flags = {
    yes: Flags.boolean({char: 'y', summary: 'Revoke without asking for confirmation.'}),
  }

  async run() {
    const {name} = this.args
    await confirmOrAbort(this.io, {
      question: `Revoke API key "${name}"? It stops working at once.`,
      refusal: `Not revoking API key "${name}"`,
      withYes: 'revoke it',
      yes: this.flags.yes,
      json: this.jsonEnabled(),
    })
    const client = await this.client()
    const key = await revokeApiKey(client, name)
    this.note(`Revoked ${key.role} key "${key.name}".`)
    return key
  }
}
