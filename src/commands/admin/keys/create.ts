import {Flags} from '@oclif/core'

import {ApiCommand} from '../../../cli/api-command.js'
import {createApiKey} from '../../../client/calls.js'

export default class AdminKeysCreate extends ApiCommand<typeof AdminKeysCreate> {
  static summary = 'Create an API key (admin).'
  static description = `Prints the new key once, alone on stdout; the coordinator keeps only its hash, so store it now (a warning on stderr says so). The name becomes the principal that appears in jobs and receipts.
Exit 5 if a key with that name exists. With --json: the key's name, role, creation time and the secret (api_key).`

  static examples = [
    '<%= config.bin %> admin keys create --role client --name alice',
    {description: 'Straight into a file only you can read.', command: '(umask 077; <%= config.bin %> admin keys create --role miner --name gpu-operator > miner.key)'},
    {description: 'Into a profile, without the key on any command line.', command: '<%= config.bin %> admin keys create --role client --name ci | <%= config.bin %> config set api-key - --profile ci'},
  ]

  static flags = {
    role: Flags.option({options: ['client', 'miner', 'admin'] as const, summary: 'What the key may do.', required: true})(),
    name: Flags.string({summary: 'Principal name: letters, digits, "._-", up to 64.', required: true}),
  }

  async run() {
    const client = await this.client()
    const created = await createApiKey(client, {role: this.flags.role, name: this.flags.name})
    this.note(`Store this key now: it is not shown again. (${created.role} key "${created.name}")`, 'yellow')
    this.line(created.api_key)
    return created
  }
}
