import {ApiCommand, type Connection} from '../cli/api-command.js'
import {login} from '../cli/login-flow.js'

export default class Login extends ApiCommand<typeof Login> {
  static summary = 'Save a coordinator URL and API key as a profile, and pin its signing key.'
  static description = `On an interactive terminal, asks for the URL and the API key (hidden); in scripts, pass --url and --api-key (or AITBC_URL, AITBC_API_KEY). Checks both against the coordinator (GET /health, then a call with the key) and saves them in the profile (--profile, else the current one); the key is never printed. On a fresh configuration the profile logged in to becomes the current one; otherwise login says how to use it.
The first time, the coordinator's signing keys (GET /v1/keys) are pinned in the profile: trust on first use, as ssh does. If the coordinator later offers none of the pinned keys, login says so loudly, pins nothing and exits 10.
Exit 4 if the key is refused, 6 if the coordinator cannot be reached, 2 if something is missing without a terminal.`

  static examples = [
    '<%= config.bin %> login',
    '<%= config.bin %> login --url http://127.0.0.1:8001 --api-key "$AITBC_CLIENT_KEY"',
    '<%= config.bin %> login --profile prod --url https://coordinator.example.com',
  ]

  private chosen?: Connection

  /** Login talks to the URL and key being logged in with, never to what the profile held before. */
  protected async connection(): Promise<Connection> {
    if (!this.chosen) throw new Error('login: connection used before the URL and key were chosen')
    return this.chosen
  }

  async run() {
    const profileName = await this.profileName()
    const result = await login({
      io: this.io,
      config: await this.userConfig(),
      profileName,
      url: this.flags.url,
      apiKey: this.flags['api-key'],
      json: this.jsonEnabled(),
      connect: async (connection) => {
        this.chosen = connection
        return this.client()
      },
      note: (text) => this.note(text),
    })
    this.line(`Logged in to ${result.url} (coordinator ${result.coordinator_version}) as profile "${profileName}".`)
    if (result.current_profile !== profileName) {
      this.note(`The current profile is still "${result.current_profile}": use this one with --profile ${profileName} (or AITBC_PROFILE=${profileName}), or make it current with \`aitbc config use ${profileName}\`.`)
    }
    return result
  }
}
