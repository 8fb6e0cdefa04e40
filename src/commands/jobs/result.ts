import {ApiCommand} from '../../cli/api-command.js'
import {jobNotFinishedError, jobUnsuccessfulError} from '../../cli/job-outcome.js'
import {textForStdout} from '../../cli/job-render.js'
import {idArg} from '../../cli/id-args.js'
import {getJob} from '../../client/calls.js'

export default class JobsResult extends ApiCommand<typeof JobsResult> {
  static summary = "Print a completed job's result."
  static description = `Prints the result text exactly as the miner returned it (a final newline is added only when stdout is a terminal), so it can be piped or redirected.
Exit codes: 0 completed; 3 no such job; 7 the job ended failed or cancelled (the reason on stderr); 2 the job is still pending or running and has no result yet (wait with \`aitbc jobs watch JOB_ID\`).
With --json: the job object, result included.`

  static examples = [
    '<%= config.bin %> jobs result job_01JD2X3Y4Z',
    '<%= config.bin %> jobs result job_01JD2X3Y4Z > answer.txt',
    '<%= config.bin %> jobs watch job_01JD2X3Y4Z && <%= config.bin %> jobs result job_01JD2X3Y4Z | wc -w',
  ]

  static args = {
    job_id: idArg('job id', 'The job whose result to print.'),
  }

  async run() {
    const client = await this.client()
    const job = await getJob(client, this.args.job_id)
    const failure = jobUnsuccessfulError(job)
    if (failure) {
      if (this.jsonEnabled()) this.logJson(job)
      return this.reportFailure(failure)
    }
    if (job.status !== 'completed') throw jobNotFinishedError(job)
    if (this.jsonEnabled()) return job
    this.write(textForStdout(job.result ?? '', this.io.stdoutIsTTY))
  }
}
