import {Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {confirmOrAbort} from '../../cli/confirm.js'
import {idArg} from '../../cli/id-args.js'
import {cancelJob} from '../../client/calls.js'

export default class JobsCancel extends ApiCommand<typeof JobsCancel> {
  static summary = 'Cancel a pending or running job.'
  static description = `On an interactive terminal you are asked to confirm; --yes skips the question. Without a terminal (scripts, CI) or with --json, it refuses (exit 2) unless --yes is given.
Exit 5 if the job has already ended, 3 if there is no such job.`

  static examples = [
    '<%= config.bin %> jobs cancel job_01JD2X3Y4Z',
    '<%= config.bin %> jobs cancel job_01JD2X3Y4Z --yes',
    {
      description: 'Cancel every pending job (a script has no terminal to answer on: --yes).',
      command: '<%= config.bin %> jobs list --all --status pending --json | jq -r ".[].job_id" | xargs -n 1 <%= config.bin %> jobs cancel --yes',
    },
  ]

  static args = {
    job_id: idArg('job id', 'The job to cancel.'),
  }

  static flags = {
    yes: Flags.boolean({char: 'y', summary: 'Cancel without asking for confirmation.'}),
  }

  async run() {
    const jobId = this.args.job_id
    await confirmOrAbort(this.io, {question: `Cancel ${jobId}?`, refusal: `Not cancelling ${jobId}`, withYes: 'cancel it', yes: this.flags.yes, json: this.jsonEnabled()})
    const client = await this.client()
    const job = await cancelJob(client, jobId)
    this.note(`Cancelled ${job.job_id}.`)
    return job
  }
}
