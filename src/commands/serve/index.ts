import {Flags} from '@oclif/core'

import {AitbcCommand} from '../../cli/base-command.js'
import {CliError, usageError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {parseByteSize, parseModelPrices} from '../../server/config.js'
import {DataDirError, keepNewFilesPrivate} from '../../server/data-dir.js'
import {formatInitReport} from '../../server/init-report.js'
import {DEFAULT_HOST, DEFAULT_PORT, ListenError, shutdownSignal, startServer} from '../../server/run-server.js'
import {configFromFlags, parseFlagNumber, SERVE_DEFAULTS} from '../../server/serve-flags.js'

/** A value the server's parsers refuse is a usage error (exit 2) naming the flag, as in every command. */
function asUsage<T>(parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    throw usageError((error as Error).message)
  }
}

const number = (positive: boolean) => Flags.custom<number>({parse: async (input) => asUsage(() => parseFlagNumber(input, positive))})
/** For values configFromFlags parses later (sizes, MODEL=PRICE): checked now, kept as typed. */
const checked = (parse: (text: string) => unknown) => async (input: string) => asUsage(() => (parse(input), input))

export default class Serve extends AitbcCommand<typeof Serve> {
  static summary = 'Run the coordinator (the whole AITBC API) on this machine.'
  static description = [
    'Starts the coordinator: Koa over a lowdb store in --data-dir, no external service needed. The first line on stdout is exactly "listening on http://HOST:PORT".',
    'A data directory that holds no coordinator data yet is initialised first, as by "aitbc serve init", and its API keys are printed once. Ctrl-C during that first initialisation leaves nothing behind, or, once the directory is complete, prints its keys before stopping. Data that is unreadable or corrupt stops the start with a message naming the file; it is never overwritten.',
    'SIGINT or SIGTERM stops accepting connections, answers waiting long polls, closes idle keep-alive connections at once (and each busy one after its answer), lets requests in flight finish, seals and flushes, and exits 0.',
    '--data-dir defaults to the aitbc data directory (for example ~/.local/share/aitbc; AITBC_DATA_DIR moves it).',
  ].join('\n\n')
  static examples = [
    '<%= config.bin %> serve',
    '<%= config.bin %> serve --data-dir ./coordinator --port 0',
    '<%= config.bin %> serve --host 0.0.0.0 --port 8001 --lease-seconds 600 --model-price llama3.2=0.5 --model-price qwen2.5=2',
  ]

  /** A coordinator has no --json: its output is the listening line, then a log. */
  static enableJsonFlag = false

  static flags = {
    'data-dir': Flags.string({summary: 'Directory of the store, signing key and API keys (default: the aitbc data directory).'}),
    host: Flags.string({summary: 'Address to listen on.', default: DEFAULT_HOST}),
    port: Flags.integer({summary: 'Port to listen on; 0 picks a free one.', default: DEFAULT_PORT, min: 0, max: 65535}),
    'lease-seconds': number(true)({
      summary: 'Seconds a claimed job may run before it goes back to pending.',
      default: SERVE_DEFAULTS.leaseSeconds,
    }),
    'max-attempts': Flags.integer({summary: 'Claims a job gets before it fails for good.', default: SERVE_DEFAULTS.maxAttempts, min: 1}),
    'block-interval': number(true)({
      summary: 'Seconds between sealing pending ledger transactions into a block.',
      default: SERVE_DEFAULTS.blockIntervalSeconds,
    }),
    price: number(false)({summary: 'Price per 1,000 tokens for models without --model-price.', default: SERVE_DEFAULTS.price}),
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
    'rate-limit': number(false)({
      summary: 'Requests per second allowed per API key principal; over it is a 429 with Retry-After. 0 turns it off.',
      description: 'Off by default because the coordinator listens on 127.0.0.1; set it before exposing it with --host.',
      default: SERVE_DEFAULTS.rateLimit,
    }),
    'rate-limit-burst': Flags.integer({summary: 'Requests a principal may send at once before --rate-limit applies (default: twice the rate).', min: 1}),
    'headers-timeout': number(true)({
      summary: 'Seconds a client has to send its request headers before the connection is closed.',
      default: SERVE_DEFAULTS.headersTimeout,
    }),
    'request-timeout': number(true)({
      summary: 'Seconds a client has to send its whole request (headers and body) before the connection is closed.',
      default: SERVE_DEFAULTS.requestTimeout,
    }),
    'keep-alive-timeout': number(true)({
      summary: 'Seconds an idle keep-alive connection stays open.',
      default: SERVE_DEFAULTS.keepAliveTimeout,
    }),
  }

  async run(): Promise<void> {
    const {flags} = this
    const dataDir = flags['data-dir'] ?? this.config.dataDir
    keepNewFilesPrivate()
    // Handlers first: Ctrl-C during a first initialisation must not leave keys nobody saw, and a
    // supervisor may send SIGTERM as soon as it reads the first line.
    const interrupt = new AbortController()
    const stopping = shutdownSignal().then((signal) => {
      interrupt.abort()
      return signal
    })
    let server
    try {
      server = await startServer({dataDir, host: flags.host, port: flags.port, config: configFromFlags(flags), signal: interrupt.signal})
    } catch (error) {
      if (interrupt.signal.aborted) throw new CliError(`Interrupted while initialising ${dataDir}; nothing was created.`, {exitCode: ExitCode.INTERRUPTED, code: 'interrupted'})
      if (error instanceof RangeError) throw usageError(error.message)
      if (error instanceof DataDirError) throw new CliError(error.message, {code: 'serve_failed'})
      if (error instanceof ListenError) throw new CliError(error.message, {code: 'serve_failed', hint: error.hint})
      throw error
    }
    this.line(`listening on ${server.url}`)
    if (server.created) for (const line of formatInitReport(server.created)) this.line(line)
    const signal = await stopping
    this.note(`${signal}: finishing requests in flight and flushing`)
    await server.close()
  }
}
