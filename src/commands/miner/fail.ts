import {Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {minerIdFlag} from '../../cli/miner-flags.js'
import {idArg} from '../../cli/id-args.js'
import {failJob} from '../../client/calls.js'

export default class MinerFail extends ApiCommand<typeof MinerFail> {
  static summary = 'Report that a claimed job failed (plumbing for POST /v1/jobs/{id}/fail).'
  static description = `The job goes back to pending for another attempt while attempts remain, else it ends failed with this error. Only the miner that claimed it, only while it runs (else exit 5).
Prints the job's new status (pending or failed) on stdout. With --json: the job object.`

  static examples = [
    '<%= config.bin %> miner fail job_01JD2X3Y4Z --miner-id gpu-1 --error "model not loaded"',
    '<%= config.bin %> miner fail job_01JD2X3Y4Z --miner-id gpu-1 --error "out of GPU memory" --json',
  ]

  static args = {
    job_id: idArg('job id', 'The job that failed.'),
  }

  static flags = {
    'miner-id': minerIdFlag,
    error: Flags.string({summary: 'What went wrong (up to 4000 characters).', required: true}),
  }

  async run() {
    const {'miner-id': minerId, error} = this.flags
    const client = await this.client()
    const job = await failJob(client, this.args.job_id, {miner_id: minerId, error})
    this.note(
      job.status === 'pending'
        ? `${job.job_id} is pending again after ${job.attempts} attempt(s); another miner may take it.`
        : `${job.job_id} is now ${job.status}.`,
    )
    this.line(job.status)
    return job
  }
}
