import {ApiCommand} from '../../cli/api-command.js'
import {jobFields} from '../../cli/job-render.js'
import {idArg} from '../../cli/id-args.js'
import {getJob} from '../../client/calls.js'

export default class JobsGet extends ApiCommand<typeof JobsGet> {
  static summary = "Show a job's details."
  static description = `Shows the job's state, model, parameters, miner, times, receipt and error, with previews of the prompt and result.
The full texts: \`aitbc jobs result JOB_ID\`, or --json for the whole job object. Exit 3 if there is no such job (or it is not yours).`

  static examples = ['<%= config.bin %> jobs get job_01JD2X3Y4Z', '<%= config.bin %> jobs get job_01JD2X3Y4Z --json']

  static args = {
    job_id: idArg('job id', 'The job to show.'),
  }

  async run() {
    const client = await this.client()
    const job = await getJob(client, this.args.job_id)
    this.line(jobFields(job))
    return job
  }
}
