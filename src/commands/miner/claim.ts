import {ApiCommand} from '../../cli/api-command.js'
import {textForStdout} from '../../cli/job-render.js'
import {minerIdFlag} from '../../cli/miner-flags.js'
import {idArg} from '../../cli/id-args.js'
import {claimJob} from '../../client/calls.js'

export default class MinerClaim extends ApiCommand<typeof MinerClaim> {
  static summary = 'Claim a pending job for this miner (plumbing for POST /v1/jobs/{id}/claim).'
  static description = `Atomic: of several miners claiming the same job exactly one wins; the others exit 5. The job moves to running with a lease; finish it with \`aitbc miner complete\` or \`aitbc miner fail\` before the lease runs out.
Prints the prompt on stdout, exactly as submitted, so it can be piped into a model; the model and parameters are noted on stderr.
With --json: the job object (prompt, model, params, lease).`

  static examples = [
    '<%= config.bin %> miner claim job_01JD2X3Y4Z --miner-id gpu-1',
    {
      description: 'Claim, run the prompt on a local model, hand the result in.',
      command:
        '<%= config.bin %> miner claim job_01JD2X3Y4Z --miner-id gpu-1 | ollama run llama3.2 | <%= config.bin %> miner complete job_01JD2X3Y4Z --miner-id gpu-1 --result -',
    },
    '<%= config.bin %> miner claim job_01JD2X3Y4Z --miner-id gpu-1 --json',
  ]

  static args = {
    job_id: idArg('job id', 'The job to claim.'),
  }

  static flags = {
    'miner-id': minerIdFlag,
  }

  async run() {
    const minerId = this.flags['miner-id']
    const client = await this.client()
    const job = await claimJob(client, this.args.job_id, minerId)
    const {max_tokens: maxTokens, temperature, top_p: topP} = job.params
    const lease = job.lease_expires_at ? `; lease until ${job.lease_expires_at}` : ''
    this.note(`Claimed ${job.job_id} for ${minerId}: model ${job.model}, max_tokens=${maxTokens} temperature=${temperature} top_p=${topP}${lease}.`)
    if (this.jsonEnabled()) return job
    this.write(textForStdout(job.prompt, this.io.stdoutIsTTY))
  }
}
