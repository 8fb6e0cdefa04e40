import {ApiCommand} from '../../cli/api-command.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {createBackend} from '../../miner/backends/index.js'
import {backendSettingsFrom, minerBackendFlags, minerIdFrom} from '../../miner/command-flags.js'
import {allPassed, describeCheck, diagnose} from '../../miner/doctor.js'

export default class MinerDoctor extends ApiCommand<typeof MinerDoctor> {
  static summary = 'Check that `miner run` can work: coordinator, miner key, backend, models and clock.'
  static description = `Takes the same coordinator and backend flags as \`aitbc miner run\` and checks, one line each, with a fix for what fails:
  coordinator  it answers at --url
  miner key    the API key has the miner role (asks for work without taking any)
  backend      the backend answers (a command backend runs one short test prompt)
  models       the models asked for with --model exist there (or it lists at least one)
  clock        this machine's clock agrees with the coordinator's (its HTTP Date header)
Exits 0 only when every check passes, else 1. With --json: {ok, checks: [{check, status, message, fix}]}.`

  static examples = [
    '<%= config.bin %> miner doctor --miner-id gpu-1',
    '<%= config.bin %> miner doctor --miner-id gpu-1 --backend ollama --model llama3.2',
    '<%= config.bin %> miner doctor --backend openai --backend-url http://127.0.0.1:8080/v1 --json',
    "<%= config.bin %> miner doctor --backend command --command 'node demo/echo-model.js' --model demo-echo",
  ]

  static flags = {...minerBackendFlags}

  async run() {
    const {flags} = this
    const settings = backendSettingsFrom(flags)
    const backend = createBackend(settings)
    const {url, apiKey} = await this.connection()
    const checks = await diagnose({client: await this.client(), url, apiKey, minerId: minerIdFrom(flags), backend, models: flags.model, probeTimeoutMs: settings.probeTimeoutMs})
    const passed = allPassed(checks)
    for (const check of checks) this.line(describeCheck(check))
    if (!passed) {
      this.io.exitCode = ExitCode.ERROR
      this.note(`${checks.filter((check) => check.status !== 'ok').length} of ${checks.length} checks did not pass.`)
    }
    return {ok: passed, checks}
  }
}
