import {Flags} from '@oclif/core'

import {ApiCommand, streamIdleTimeoutFlag} from '../../cli/api-command.js'
import {DEFAULT_UNREACHABLE_TIMEOUT_SECONDS, followJob} from '../../cli/job-follower.js'
import {jobUnsuccessfulError} from '../../cli/job-outcome.js'
import {finishResult, followJobPrinting} from '../../cli/job-output-printer.js'
import {jobState} from '../../cli/job-render.js'
import {timeoutFlag, unreachableTimeoutFlag} from '../../cli/number-flags.js'
import {idArg} from '../../cli/id-args.js'

export default class JobsWatch extends ApiCommand<typeof JobsWatch> {
  static summary = 'Follow a job until it ends.'
  static description = `On a terminal a spinner shows each state change (pending, running...); at the end one line on stderr says how it ended. Where no spinner can be drawn (stderr is a pipe or a file), each state change is a line on stderr as it happens.
With --json: one JSON line (JSON Lines) per state change, the first the job as found, the last the final job.
The exit code tells how it ended: 0 completed, 7 failed or cancelled, 8 when --timeout passed first (the job goes on).`

  static examples = [
    '<%= config.bin %> jobs watch job_01JD2X3Y4Z',
    '<%= config.bin %> jobs watch job_01JD2X3Y4Z --timeout 60 && <%= config.bin %> jobs result job_01JD2X3Y4Z',
    '<%= config.bin %> jobs watch job_01JD2X3Y4Z --json | tail -n 1',
  ]

  static jsonLines = true

  static args = {
    job_id: idArg('job id', 'The job to follow.'),
  }

  static flags = {
    stream: Flags.boolean({summary: "Print the job's output on stdout as the miner generates it, ending with exactly its result.", exclusive: ['json']}),
    'stream-idle-timeout': streamIdleTimeoutFlag('With --stream: ', 'stream'),
    timeout: timeoutFlag({summary: 'Give up after this many seconds (exit 8).'}),
    'unreachable-timeout': unreachableTimeoutFlag({
      summary: 'Keep waiting this many seconds while the coordinator does not answer (a restart), then exit 6.',
      default: DEFAULT_UNREACHABLE_TIMEOUT_SECONDS,
    }),
  }

  async run() {
    const json = this.jsonEnabled()
    const client = await this.client()
    if (this.flags.stream && !json) return this.streamOutput()
    // No spinner (stderr is a pipe, a log): one line per state change on stderr, written as it happens.
    const asLines = !json && !this.io.drawsSpinner(json)
    const spinner = await this.io.startSpinner(`Watching ${this.args.job_id}`, json)
    const final = await followJob(client, this.args.job_id, {
      timeoutSeconds: this.flags.timeout,
      unreachableTimeoutSeconds: this.flags['unreachable-timeout'],
      onChange: (job) => (json ? this.jsonLine(job) : asLines ? this.note(jobState(job)) : spinner.update(jobState(job))),
    }).finally(() => spinner.stop())

    const failure = jobUnsuccessfulError(final)
    if (failure) return this.reportFailure(failure)
    if (!asLines) this.note(`${jobState(final)}.`)
  }

  /** --stream: the output as it comes, then stdout ends with exactly the result. */
  private async streamOutput(): Promise<void> {
    const spinner = await this.io.startSpinner(`Watching ${this.args.job_id}`, false)
    const note = (text: string) => this.note(text)
    const {final, printed} = await followJobPrinting(await this.client(), this.args.job_id, {
      connection: await this.streamConnection(),
      stdoutIsTTY: this.io.stdoutIsTTY,
      write: (text) => this.write(text),
      note,
      timeoutSeconds: this.flags.timeout,
      unreachableTimeoutSeconds: this.flags['unreachable-timeout'],
      onFirstOutput: () => spinner.stop(),
      onChange: (job) => spinner.update(jobState(job)),
    }).finally(() => spinner.stop())
    const failure = jobUnsuccessfulError(final)
    if (failure) return this.reportFailure(failure)
    this.write(finishResult(final.result ?? '', printed, this.io.stdoutIsTTY, note))
    this.note(`${jobState(final)}.`)
  }
}
