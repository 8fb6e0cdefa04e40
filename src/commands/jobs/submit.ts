import {Args, Flags} from '@oclif/core'

import {ApiCommand, streamIdleTimeoutFlag} from '../../cli/api-command.js'
import {usageError} from '../../cli/errors.js'
import {jobRequest, jobRequestFlags} from '../../cli/job-flags.js'
import {DEFAULT_UNREACHABLE_TIMEOUT_SECONDS, followJob} from '../../cli/job-follower.js'
import {jobUnsuccessfulError} from '../../cli/job-outcome.js'
import {finishResult, followJobPrinting} from '../../cli/job-output-printer.js'
import {jobState, textForStdout} from '../../cli/job-render.js'
import {timeoutFlag, unreachableTimeoutFlag} from '../../cli/number-flags.js'
import {readPromptInput} from '../../cli/prompt-input.js'
import {submitJob} from '../../client/jobs.js'

export default class JobsSubmit extends ApiCommand<typeof JobsSubmit> {
  static summary = 'Submit an LLM job.'
  static description = `The prompt comes from the argument; from stdin when the argument is "-" or when stdin is a pipe and no argument is given; otherwise, on an interactive terminal, you are asked for it.

Without --wait: prints the job id alone on stdout (so $(aitbc jobs submit ...) captures it), and a note on stderr.
With --wait: follows the job to its end and prints only the result text on stdout, byte for byte (a final newline is added only when stdout is a terminal). Exits 7 if the job ended failed or cancelled, 8 when --timeout passes (the job goes on).
With --json: prints the job object (under --wait the final job, with its result).

Every submit carries a fresh Idempotency-Key, so a retry after a dropped connection cannot create a second job.`

  static examples = [
    {description: 'Submit a job; its id is printed.', command: '<%= config.bin %> jobs submit "Write a haiku about GPUs"'},
    {description: 'Prompt from a pipe, result into a file.', command: 'echo "Write a haiku about GPUs" | <%= config.bin %> jobs submit --wait - > haiku.txt'},
    {
      description: 'Choose the model and parameters; give up waiting after two minutes.',
      command: '<%= config.bin %> jobs submit --model llama3.2 --max-tokens 64 --temperature 0.2 --wait --timeout 120 "Say hi"',
    },
    {description: 'Keep the id for later commands.', command: 'JOB=$(<%= config.bin %> jobs submit "Say hi") && <%= config.bin %> jobs watch "$JOB"'},
  ]

  static args = {
    prompt: Args.string({description: 'The prompt; "-" reads it from stdin.'}),
  }

  static flags = {
    ...jobRequestFlags,
    wait: Flags.boolean({char: 'w', summary: 'Wait for the job to end and print its result.'}),
    stream: Flags.boolean({
      summary: 'With --wait: print the output as the miner generates it [default: on a terminal; in a pipe only the final result].',
      allowNo: true,
      dependsOn: ['wait'],
    }),
    'stream-idle-timeout': streamIdleTimeoutFlag('With --wait: ', 'wait'),
    timeout: timeoutFlag({summary: 'With --wait: give up after this many seconds (exit 8).', dependsOn: ['wait']}),
    // No oclif default: a defaulted flag always "is given", and dependsOn would refuse every submit without --wait.
    'unreachable-timeout': unreachableTimeoutFlag({
      summary: `With --wait: keep waiting this many seconds while the coordinator does not answer (a restart), then exit 6 [default: ${DEFAULT_UNREACHABLE_TIMEOUT_SECONDS}].`,
      dependsOn: ['wait'],
    }),
  }

  async run() {
    const json = this.jsonEnabled()
    // Before the prompt is read or the job sent: a flag this run would ignore is a mistake to point out.
    this.refuseIgnoredStreamFlags(json)
    const prompt = await readPromptInput(this.io, this.args.prompt, {json, note: (text) => this.note(text)})
    const client = await this.client()
    const job = await submitJob(client, jobRequest(prompt, this.flags))
    if (job.warning) this.note(`Warning: ${job.warning}.`)
    if (!this.flags.wait) {
      this.note(`Submitted ${job.job_id} (${job.status}).`)
      this.line(job.job_id)
      return job
    }

    this.note(`Submitted ${job.job_id}; waiting for it to end (Ctrl-C stops waiting, not the job).`)
    if (this.streams(json)) return this.streamResult(job)
    const spinner = await this.io.startSpinner(jobState(job), json)
    const final = await followJob(client, job.job_id, {
      initial: job,
      timeoutSeconds: this.flags.timeout,
      unreachableTimeoutSeconds: this.flags['unreachable-timeout'],
      onChange: (next) => spinner.update(jobState(next)),
    }).finally(() => spinner.stop())

    const failure = jobUnsuccessfulError(final)
    if (json) {
      if (!failure) return final
      this.logJson(final)
      return this.reportFailure(failure)
    }
    if (failure) throw failure
    this.write(textForStdout(final.result ?? '', this.io.stdoutIsTTY))
  }

  /** Whether --wait follows the output stream: asked for (--stream), or by default on a terminal; never under --json. */
  private streams(json: boolean): boolean {
    return !json && (this.flags.stream ?? this.io.stdoutIsTTY)
  }

  /** --stream and --stream-idle-timeout given where the output is not streamed (their dependsOn covers a missing --wait). */
  private refuseIgnoredStreamFlags(json: boolean): void {
    if (json && this.flags.stream) throw usageError('--stream cannot be used with --json: --json prints the final job, not the output as it comes.')
    if (this.flags['stream-idle-timeout'] === undefined || this.streams(json)) return
    const why = json ? '--json prints the final job' : this.flags.stream === false ? '--no-stream was given' : 'stdout is not a terminal, so only the final result is printed'
    throw usageError(`--stream-idle-timeout is for the output stream, which this run does not follow: ${why}.`, json ? undefined : 'Add --stream to follow the output as it comes.')
  }

  /** --stream: the output as it comes, then stdout ends with exactly the result. */
  private async streamResult(job: Awaited<ReturnType<typeof submitJob>>): Promise<void> {
    const spinner = await this.io.startSpinner(jobState(job), false)
    const write = (text: string) => this.write(text)
    const note = (text: string) => this.note(text)
    const {final, printed} = await followJobPrinting(await this.client(), job.job_id, {
      connection: await this.streamConnection(),
      stdoutIsTTY: this.io.stdoutIsTTY,
      write,
      note,
      initial: job,
      timeoutSeconds: this.flags.timeout,
      unreachableTimeoutSeconds: this.flags['unreachable-timeout'],
      onFirstOutput: () => spinner.stop(),
      onChange: (next) => spinner.update(jobState(next)),
    }).finally(() => spinner.stop())
    const failure = jobUnsuccessfulError(final)
    if (failure) throw failure
    this.write(finishResult(final.result ?? '', printed, this.io.stdoutIsTTY, note))
  }
}
