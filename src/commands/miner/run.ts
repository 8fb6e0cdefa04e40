import path from 'node:path'

import {Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {CliError, usageError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {DEFAULT_UNREACHABLE_TIMEOUT_SECONDS} from '../../cli/job-follower.js'
import {numberFlag, unreachableTimeoutFlag} from '../../cli/number-flags.js'
import {inert} from '../../cli/inert-text.js'
import {MAX_TIMER_SECONDS} from '../../protocol/timers.js'
import {createBackend} from '../../miner/backends/index.js'
import {backendSettingsFrom, minerBackendFlags, minerIdFrom, undeliveredFile} from '../../miner/command-flags.js'
import {CoordinatorLink} from '../../miner/coordinator-link.js'
import {gpuInfo} from '../../miner/gpu-info.js'
import {DEFAULT_STREAM_SETTINGS} from '../../miner/output-batcher.js'
import {describeMinerEvent, describeSummary} from '../../miner/reports.js'
import {onStopSignals} from '../../miner/stop-signals.js'
import {UndeliveredResults} from '../../miner/undelivered-results.js'
import {type MinerEvent, MinerWorker} from '../../miner/worker.js'


export default class MinerRun extends ApiCommand<typeof MinerRun> {
  static summary = 'Run a miner: take jobs from the coordinator and run them on a local inference backend.'
  static description = `Registers the miner with the models it serves (by default every model the backend lists) and its GPU (from nvidia-smi when present, else --gpu-name/--gpu-memory), re-registers as a heartbeat, waits for jobs (long poll), claims them, runs them on the backend and delivers each result with the token count the backend reports; a job the backend fails is reported failed, so the coordinator requeues it.
Backends: ollama (POST /api/generate), openai (any OpenAI-compatible server: llama.cpp, vLLM, LM Studio; POST /v1/chat/completions) and command (a shell command: the prompt on stdin, the result on stdout; the job's model and params in AITBC_MODEL, AITBC_MAX_TOKENS, AITBC_TEMPERATURE, AITBC_TOP_P and AITBC_JOB_ID).
When the coordinator or the backend is down the miner backs off and carries on (one line when it goes away, one when it is back); with --once it gives up after --unreachable-timeout (exit 6). A command that cannot be found stops the miner at start (exit 2); one that stops being found pauses it, as a backend server that does not answer does. A result the coordinator cannot take yet is kept (in --state-dir) and retried, across restarts too.
The first Ctrl-C (SIGINT) or SIGTERM stops taking jobs and exits once the running ones are delivered: 130 after SIGINT, 0 after SIGTERM (a service manager's orderly stop); a second reports the running jobs as failed so they go back to the queue, and exits 130 after SIGINT, 1 otherwise.
One line per job on stderr (job id, model, tokens, seconds); with --json, JSON Lines on stdout instead.
Needs a miner key (AITBC_API_KEY, --api-key or a profile). Check the setup first with \`aitbc miner doctor\`.`

  static examples = [
    '<%= config.bin %> miner run --miner-id gpu-1',
    '<%= config.bin %> miner run --miner-id gpu-1 --backend ollama --backend-url http://127.0.0.1:11434 --model llama3.2 --concurrency 2',
    '<%= config.bin %> miner run --miner-id gpu-1 --backend openai --backend-url http://127.0.0.1:8080/v1 --model qwen2.5-7b-instruct',
    "<%= config.bin %> miner run --miner-id demo-1 --backend command --command 'node demo/echo-model.js' --model demo-echo --max-jobs 1",
    '<%= config.bin %> miner run --miner-id gpu-1 --once --json',
  ]

  /** Its --json output is JSON Lines, so an error is one more line. */
  static jsonLines = true

  static flags = {
    ...minerBackendFlags,
    concurrency: Flags.integer({summary: 'How many jobs to run at the same time.', default: 1, min: 1}),
    once: Flags.boolean({summary: 'One pass: take the jobs waiting now (up to --concurrency), finish them, exit.'}),
    'max-jobs': Flags.integer({summary: 'Exit after taking this many jobs (waiting for them as long as it takes).', min: 1}),
    'job-timeout': Flags.integer({
      summary: "Seconds a job may run on the backend before it counts as failed [default: the job's lease, less a few seconds to deliver].",
      min: 1,
      max: MAX_TIMER_SECONDS,
    }),
    'unreachable-timeout': unreachableTimeoutFlag({
      summary: 'Give up (exit 6) when the coordinator has not answered for this many seconds [default: 60 with --once, else never].',
    }),
    stream: Flags.boolean({
      summary: "Send each job's output to the coordinator as it is generated, so clients following the job see it as it comes (--no-stream: only the result).",
      default: true,
      allowNo: true,
    }),
    // No oclif defaults: a defaulted flag always "is given", and --no-stream could not refuse them.
    'stream-interval': numberFlag({min: 0.01, max: 60})({
      summary: `With --stream: seconds between two sends of a job's output (the first piece goes at once) [default: ${DEFAULT_STREAM_SETTINGS.intervalMs / 1000}].`,
    }),
    'stream-batch-bytes': Flags.integer({
      summary: `With --stream: send sooner than --stream-interval once this many bytes of output wait [default: ${DEFAULT_STREAM_SETTINGS.maxBytes}].`,
      min: 1,
    }),
    'gpu-name': Flags.string({summary: 'GPU name to register, e.g. "RTX 4090" [default: from nvidia-smi].'}),
    'gpu-memory': Flags.string({summary: 'GPU memory to register, e.g. "24564 MiB" [default: from nvidia-smi].'}),
    'state-dir': Flags.string({
      summary: 'Where results not yet delivered are kept [default: "miner" in the aitbc data directory].',
      env: 'AITBC_MINER_STATE_DIR',
    }),
  }

  async run(): Promise<void> {
    const {flags} = this
    // Before anything is asked of the backend or the coordinator: a flag this run would ignore is a mistake to point out.
    const ignored = flags.stream ? [] : (['stream-interval', 'stream-batch-bytes'] as const).filter((name) => flags[name] !== undefined)
    if (ignored.length > 0) throw usageError(`${ignored.map((name) => `--${name}`).join(' and ')} ${ignored.length === 1 ? 'paces' : 'pace'} the output stream, which --no-stream turns off.`)
    const minerId = minerIdFrom(flags)
    const backend = createBackend(backendSettingsFrom(flags))
    const {url, apiKey} = await this.connection()
    if (!apiKey) throw usageError('No API key: a miner needs a key with the miner role.', 'Set AITBC_API_KEY, pass --api-key, or use a profile (`aitbc login`).')
    const stateDir = flags['state-dir'] ?? path.join(this.config.dataDir, 'miner')
    const unreachableSeconds = flags['unreachable-timeout'] ?? (flags.once ? DEFAULT_UNREACHABLE_TIMEOUT_SECONDS : undefined)
    const worker = new MinerWorker({
      minerId,
      link: new CoordinatorLink(await this.client()),
      backend,
      models: flags.model,
      gpu: await gpuInfo({name: flags['gpu-name'], memory: flags['gpu-memory']}),
      concurrency: flags.concurrency,
      once: flags.once,
      maxJobs: flags['max-jobs'],
      jobTimeoutMs: flags['job-timeout'] === undefined ? undefined : flags['job-timeout'] * 1000,
      unreachableTimeoutMs: unreachableSeconds === undefined ? undefined : unreachableSeconds * 1000,
      undelivered: await UndeliveredResults.open(undeliveredFile(stateDir, minerId)),
      onEvent: (event) => this.show(event),
      stream: flags.stream && {
        intervalMs: flags['stream-interval'] === undefined ? DEFAULT_STREAM_SETTINGS.intervalMs : flags['stream-interval'] * 1000,
        maxBytes: flags['stream-batch-bytes'] ?? DEFAULT_STREAM_SETTINGS.maxBytes,
      },
    })
    this.where = {url, backend: `${backend.kind} ${backend.target}`}
    let firstSignal: NodeJS.Signals | undefined
    const removeHandlers = onStopSignals(
      (signal) => {
        firstSignal = signal
        worker.stop()
        // The terminal has just echoed ^C on the current line: the notice starts a line of its own.
        if (signal === 'SIGINT' && this.io.stderrIsTTY && !this.jsonEnabled()) this.io.stderr.write('\n')
        this.show({type: 'notice', message: 'stopping: taking no more jobs, finishing the running ones (signal again to abandon them)'})
      },
      () => {
        this.show({type: 'notice', message: 'abandoning running jobs: reporting them failed so they go back to the queue'})
        worker.abandon()
      },
    )
    try {
      const summary = await worker.run()
      if (this.jsonEnabled()) this.jsonLine({event: 'stopped', ...summary})
      else this.io.stderr.write(`${inert(describeSummary(summary))}\n`)
      // Ctrl-C is an interruption (130, as a shell reports it), never success; SIGTERM is an orderly stop.
      const interrupted = firstSignal === 'SIGINT'
      if (summary.abandoned) {
        throw new CliError('Stopped before the running jobs finished; they were reported failed and go back to the queue.', {
          code: 'interrupted',
          exitCode: interrupted ? ExitCode.INTERRUPTED : ExitCode.ERROR,
        })
      }
      if (interrupted) this.exit(ExitCode.INTERRUPTED)
    } finally {
      removeHandlers()
    }
  }

  private where = {url: '', backend: ''}

  /** People get a line on stderr; --json gets a JSON line on stdout. */
  private show(event: MinerEvent): void {
    const {type, ...fields} = event
    if (this.jsonEnabled()) this.jsonLine({event: type, ...fields})
    else this.io.stderr.write(`${inert(describeMinerEvent(event, this.where))}\n`)
  }
}
