import {ApiCommand} from '../../cli/api-command.js'
import {minerIdFlag} from '../../cli/miner-flags.js'
import {numberFlag} from '../../cli/number-flags.js'
import {availableJob} from '../../client/calls.js'

export default class MinerPoll extends ApiCommand<typeof MinerPoll> {
  static summary = 'Ask for the next job this miner can run (plumbing for GET /v1/jobs/available).'
  static description = `Prints the id of the oldest pending job for one of the miner's models on stdout, or nothing (exit 0) when there is none; a note on stderr says which.
--wait long-polls: the coordinator answers as soon as a job arrives, or after that many seconds.
The job is held for this poll for 2 s (other polls, this miner's next one too, get other jobs); claim it within that with \`aitbc miner claim JOB_ID\`.
With --json: the job object, or null.`

  static examples = [
    '<%= config.bin %> miner poll --miner-id gpu-1',
    {
      description: 'Wait up to 30 s for a job, then claim it.',
      command: 'JOB=$(<%= config.bin %> miner poll --miner-id gpu-1 --wait 30) && [ -n "$JOB" ] && <%= config.bin %> miner claim "$JOB" --miner-id gpu-1',
    },
    '<%= config.bin %> miner poll --miner-id gpu-1 --json',
  ]

  static flags = {
    'miner-id': minerIdFlag,
    wait: numberFlag({min: 0, max: 30})({summary: 'Wait up to this many seconds for a job (0-30) [default: 0].'}),
  }

  async run() {
    const {'miner-id': minerId, wait} = this.flags
    const client = await this.client()
    // The long poll may legitimately take `wait` seconds: the request gets that long on top of its timeout.
    const job = await availableJob(client, {miner_id: minerId, ...(wait === undefined ? {} : {wait})}, {waitSeconds: wait})
    if (this.jsonEnabled()) return this.logJson(job)
    if (!job) return this.note(`No job available for ${minerId}.`)
    this.note(`${job.job_id}: model ${job.model}, ${job.prompt.length} chars of prompt. Claim it with \`aitbc miner claim ${job.job_id} --miner-id ${minerId}\`.`)
    this.line(job.job_id)
  }
}
