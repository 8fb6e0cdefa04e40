import {Flags} from '@oclif/core'

import {AitbcCommand} from '../../cli/base-command.js'
import {databaseUrlFlag, keyFileFlag, replicaFlags, withReplicaDefaults} from '../../cli/database-flags.js'
import {CliError, usageError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {secondsFlag} from '../../cli/number-flags.js'
import {parseByteSize, parseModelPrices} from '../../server/config.js'
import {DataDirError, keepNewFilesPrivate} from '../../server/data-dir.js'
import {formatInitReport} from '../../server/init-report.js'
import {DEFAULT_HOST, DEFAULT_PORT, ListenError, shutdownSignal, startServer} from '../../server/run-server.js'
import {configFromFlags, databaseStart, EXPOSED_RATE_LIMIT, parseFlagNumber, rateLimitFor, SERVE_DEFAULTS, startFailure, storeStartFromFlags} from '../../server/serve-flags.js'

/** A value the server's parsers refuse is a usage error (exit 2) naming the flag, as in every command. */
function asUsage<T>(parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    throw usageError((error as Error).message)
  }
}

/** A number of at least 0 that is not seconds (a price, a rate); seconds are `secondsFlag`, which caps them at what a timer can wait. */
const nonNegative = Flags.custom<number>({parse: async (input) => asUsage(() => parseFlagNumber(input))})
/** For values configFromFlags parses later (sizes, MODEL=PRICE): checked now, kept as typed. */
const checked = (parse: (text: string) => unknown) => async (input: string) => asUsage(() => (parse(input), input))

export default class Serve extends AitbcCommand<typeof Serve> {
  static summary = 'Run the coordinator (the whole AITBC API) on this machine.'
  static description = [
    'Starts the coordinator: Koa over a lowdb store in --data-dir, no external service needed. The first line on stdout is exactly "listening on http://HOST:PORT".',
    'A data directory that holds no coordinator data yet is initialised first, as by "aitbc serve init", and its API keys are printed once. Ctrl-C during that first initialisation leaves nothing behind, or, once the directory is complete, prints its keys before stopping. Data that is unreadable or corrupt stops the start with a message naming the file; it is never overwritten.',
    'SIGINT or SIGTERM stops accepting connections, answers waiting long polls, closes idle keep-alive connections at once (and each busy one after its answer), lets requests in flight finish, seals and flushes, and exits 0.',
    '--data-dir defaults to the aitbc data directory (for example ~/.local/share/aitbc; AITBC_DATA_DIR moves it).',
    'With --database postgres://… (or AITBC_DATABASE_URL) every record lives in PostgreSQL instead, made by "aitbc serve init --database" or "aitbc serve migrate", and several coordinators (replicas) may serve one database behind a load balancer. Each replica needs the one signing key: --key-file, the PEM in AITBC_SIGNING_KEY, or --data-dir of the directory holding it.',
  ].join('\n\n')
  static examples = [
    '<%= config.bin %> serve',
    '<%= config.bin %> serve --database postgres://aitbc@db.internal/aitbc --key-file /etc/aitbc/signing-key.pem --host 0.0.0.0',
    '<%= config.bin %> serve --data-dir ./coordinator --port 0',
    '<%= config.bin %> serve --host 0.0.0.0 --port 8001 --lease-seconds 600 --model-price llama3.2=0.5 --model-price qwen2.5=2',
  ]

  /** A coordinator has no --json: its output is the listening line, then a log. */
  static enableJsonFlag = false

  static flags = {
    'data-dir': Flags.string({summary: 'Directory of the store, signing key and API keys (default: the aitbc data directory).'}),
    database: databaseUrlFlag,
    'key-file': keyFileFlag,
    ...replicaFlags(),
    host: Flags.string({summary: 'Address to listen on.', default: DEFAULT_HOST}),
    port: Flags.integer({summary: 'Port to listen on; 0 picks a free one.', default: DEFAULT_PORT, min: 0, max: 65535}),
    'lease-seconds': secondsFlag({
      summary: 'Seconds a claimed job may run before it goes back to pending.',
      default: SERVE_DEFAULTS.leaseSeconds,
    }),
    'max-attempts': Flags.integer({summary: 'Different miners that may fail a job before it fails for good (a miner is not given a job it failed).', default: SERVE_DEFAULTS.maxAttempts, min: 1}),
    'block-interval': secondsFlag({
      summary: 'Seconds between sealing pending ledger transactions into a block.',
      default: SERVE_DEFAULTS.blockIntervalSeconds,
    }),
    price: nonNegative({summary: 'Price per 1,000 tokens for models without --model-price.', default: SERVE_DEFAULTS.price}),
    'model-price': Flags.string({
      summary: 'Price per 1,000 tokens for one model, as MODEL=PRICE. Repeatable.',
      multiple: true,
      parse: checked((text) => parseModelPrices([text])),
    }),
    'body-limit': Flags.string({
      summary: 'Largest request body accepted, e.g. 1048576, 512kb, 1mb.',
      default: SERVE_DEFAULTS.bodyLimit,
      parse: checked(parseByteSize),
    }),
    'max-prompt-bytes': Flags.string({
      summary: 'Largest job prompt accepted (UTF-8 bytes), e.g. 65536, 64kb.',
      default: SERVE_DEFAULTS.maxPromptBytes,
      parse: checked(parseByteSize),
    }),
    'rate-limit': nonNegative({
      summary: 'Requests per second allowed per API key principal, and per client address on public endpoints; over it is a 429 with Retry-After. 0 turns it off.',
      description: `Default: off on a loopback --host, ${EXPOSED_RATE_LIMIT} on any other address (serve says so at start).`,
    }),
    'rate-limit-burst': Flags.integer({summary: 'Requests a principal may send at once before --rate-limit applies (default: twice the rate).', min: 1}),
    'headers-timeout': secondsFlag({
      summary: 'Seconds a client has to send its request headers before the connection is closed.',
      default: SERVE_DEFAULTS.headersTimeout,
    }),
    'request-timeout': secondsFlag({
      summary: 'Seconds a client has to send its whole request (headers and body) before the connection is closed.',
      default: SERVE_DEFAULTS.requestTimeout,
    }),
    'keep-alive-timeout': secondsFlag({
      summary: 'Seconds an idle keep-alive connection stays open.',
      default: SERVE_DEFAULTS.keepAliveTimeout,
    }),
    'pending-ttl': secondsFlag({
      summary: 'Seconds a job may stay pending; then it ends as expired (24 h by default).',
      default: SERVE_DEFAULTS.pendingTtl,
    }),
    'max-pending-per-client': Flags.integer({summary: 'Pending jobs one client key may have at once; past it submits get 429.', default: SERVE_DEFAULTS.maxPendingPerClient, min: 1}),
    'max-queued-prompt-bytes': Flags.string({summary: 'Bytes of prompts of all pending jobs together, e.g. 256mb; past it submits get 429.', default: SERVE_DEFAULTS.maxQueuedPromptBytes, parse: checked(parseByteSize)}),
    'max-polls-per-key': Flags.integer({summary: 'Requests for jobs (long polls) one miner key may have open at once; past it 429.', default: SERVE_DEFAULTS.maxPollsPerKey, min: 1}),
    'max-miners-per-key': Flags.integer({summary: 'Miner ids one miner key may register; past it 429.', default: SERVE_DEFAULTS.maxMinersPerKey, min: 1}),
    'max-capabilities': Flags.integer({summary: 'Capabilities (models) one miner may register; past it 429.', default: SERVE_DEFAULTS.maxCapabilities, min: 1}),
    'miner-failure-limit': Flags.integer({
      summary: 'A miner failing more jobs than this within --miner-failure-window gets no jobs for --miner-cooldown.',
      default: SERVE_DEFAULTS.minerFailureLimit,
      min: 1,
    }),
    'miner-failure-window': secondsFlag({summary: 'Seconds in which a miner\'s failures are counted.', default: SERVE_DEFAULTS.minerFailureWindow}),
    'miner-cooldown': secondsFlag({summary: 'Seconds a miner that failed too often gets no jobs; its polls say why.', default: SERVE_DEFAULTS.minerCooldown}),
    'answer-memory': Flags.string({
      summary: 'Bytes of large answers not yet read by their clients, over all connections, e.g. 64mb; past it large answers get 503.',
      default: SERVE_DEFAULTS.answerMemory,
      parse: checked(parseByteSize),
    }),
    'send-timeout': secondsFlag({
      summary: 'Seconds a client has to read an answer before its connection is closed.',
      default: SERVE_DEFAULTS.sendTimeout,
    }),
    'answer-builders': Flags.integer({
      summary: 'Large answers (job lists, block pages) built at once; the others wait their turn, so small requests such as /health are answered between turns. Raise it with --database, where reads wait on the network.',
      default: SERVE_DEFAULTS.answerBuilders,
      min: 1,
    }),
    'answer-queue': Flags.integer({
      summary: 'Large answers that may wait for their turn; past it large answers get 503 with Retry-After before any of it is built.',
      default: SERVE_DEFAULTS.answerQueue,
      min: 0,
    }),
    // The data directory's store only: refused with --database (databaseStart), so no oclif default (a
    // defaulted flag always counts as given); storeStartFromFlags fills the defaults in.
    fsync: Flags.string({
      summary: `on: every write is fdatasynced before it is acknowledged (writes arriving together share one sync). off: faster, but a power cut may lose acknowledged writes [default: ${SERVE_DEFAULTS.fsync}].`,
      options: ['on', 'off'],
    }),
    'write-retry': secondsFlag({
      summary: `Seconds between tries to write again after a write failed (disk full, I/O error); meanwhile writes answer 503 and /health says why [default: ${SERVE_DEFAULTS.writeRetry}].`,
    }),
    'flush-log-bytes': Flags.string({
      summary: `Size of the flush log (commits.jsonl), e.g. 8mb, past which the store syncs its history files and empties it; larger: fewer of those pauses, a longer replay after a crash [default: ${SERVE_DEFAULTS.flushLogBytes}].`,
      parse: checked(parseByteSize),
    }),
    'lock-wait': secondsFlag({
      summary: `Seconds a coordinator refused because another holds --data-dir waits for that one to say its pid, to name it in the refusal [default: ${SERVE_DEFAULTS.lockWait}].`,
    }),
    'page-bytes': Flags.string({summary: 'Largest page of a job list in bytes, e.g. 1mb (at least one job); the header X-Next-Before continues it.', default: SERVE_DEFAULTS.pageBytes, parse: checked(parseByteSize)}),
    'stream-job-bytes': Flags.string({
      summary: 'Bytes of streamed output kept for one running job, e.g. 1mb; past it the miner stops streaming it (its result still completes it).',
      default: SERVE_DEFAULTS.streamJobBytes,
      parse: checked(parseByteSize),
    }),
    'stream-memory': Flags.string({
      summary: 'Bytes of streamed output kept for all running jobs together, e.g. 64mb; past it miners stop streaming (503).',
      default: SERVE_DEFAULTS.streamMemory,
      parse: checked(parseByteSize),
    }),
    'max-streams-per-key': Flags.integer({
      summary: 'Job output streams (GET /v1/jobs/{job_id}/stream) one key may follow at once; past it 429.',
      default: SERVE_DEFAULTS.maxStreamsPerKey,
      min: 1,
    }),
    'gateway-timeout': secondsFlag({
      summary: 'Seconds a chat completion (POST /v1/chat/completions) waits for its job before answering 504; the job goes on.',
      default: SERVE_DEFAULTS.gatewayTimeout,
    }),
  }

  async run(): Promise<void> {
    // What the run changes of its process (umask, signal handlers) it puts back on every way out.
    const restoreUmask = keepNewFilesPrivate()
    // Handlers first: Ctrl-C during a first initialisation must not leave keys nobody saw, and a
    // supervisor may send SIGTERM as soon as it reads the first line.
    const shutdown = shutdownSignal()
    try {
      await this.serve(shutdown.received)
    } finally {
      shutdown.dispose()
      restoreUmask()
    }
  }

  private async serve(received: Promise<NodeJS.Signals>): Promise<void> {
    const {flags} = this
    const dataDir = flags['data-dir'] ?? this.config.dataDir
    const interrupt = new AbortController()
    const stopping = received.then((signal) => {
      interrupt.abort()
      return signal
    })
    let server
    try {
      const database = asUsage(() => databaseStart(withReplicaDefaults(flags)))
      server = await startServer({dataDir, database, host: flags.host, port: flags.port, config: configFromFlags(flags, flags.host), signal: interrupt.signal, ...storeStartFromFlags(flags)})
    } catch (error) {
      if (interrupt.signal.aborted && !flags.database) throw new CliError(`Interrupted while initialising ${dataDir}; nothing was created.`, {exitCode: ExitCode.INTERRUPTED, code: 'interrupted'})
      if (error instanceof CliError) throw error
      if (error instanceof RangeError) throw usageError(error.message)
      if (error instanceof DataDirError || startFailure(error)) throw new CliError((error as Error).message, {code: 'serve_failed'})
      if (error instanceof ListenError) throw new CliError(error.message, {code: 'serve_failed', hint: error.hint})
      throw error
    }
    this.line(`listening on ${server.url}`)
    const {notice} = rateLimitFor(flags.host, flags['rate-limit'])
    if (notice) this.note(notice)
    if (server.created) for (const line of formatInitReport(server.created)) this.line(line)
    const signal = await stopping
    this.note(`${signal}: finishing requests in flight and flushing`)
    await server.close()
  }
}
