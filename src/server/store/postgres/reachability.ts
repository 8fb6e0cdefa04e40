// Whether the database answers. A query that fails because its connection did (refused, reset,
// terminated, the server shutting down) marks the database unreachable: the failure becomes a
// StoreUnavailableError (503 with Retry-After) and /health says why, until a query succeeds again; a
// probe every `retryMs` finds that out when no request comes. Other errors pass through untouched.
import {StoreUnavailableError} from '../store-errors.js'

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])
// SQLSTATE: connection exceptions (class 08), the server shutting down or starting (57P01–57P03),
// too many connections (53300).
const SERVER_CODES = /^(08...|57P0[123]|53300)$/
// What node-postgres itself says when a connection ends or cannot be made in time.
const DRIVER_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/

export function isConnectionLoss(error: unknown): boolean {
  const code = (error as {code?: unknown} | undefined)?.code
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_CODES.test(code))) return true
  return error instanceof Error && DRIVER_MESSAGES.test(error.message)
}

export class Reachability {
  private failure: string | undefined
  private probe: NodeJS.Timeout | undefined
  private closed = false

  constructor(
    private readonly ping: () => Promise<unknown>,
    private readonly retryMs: number,
    private readonly log: (message: string) => void,
  ) {}

  /** Why the database cannot be used now, or undefined when it answers. */
  get problem(): string | undefined {
    return this.failure
  }

  /** Runs `work`, turning a lost connection into StoreUnavailableError and noting when it works again. */
  async watch<T>(work: () => Promise<T>): Promise<T> {
    let result: T
    try {
      result = await work()
    } catch (error) {
      throw this.failed(error)
    }
    this.reached()
    return result
  }

  close(): void {
    this.closed = true
    clearInterval(this.probe)
  }

  private failed(error: unknown): unknown {
    if (!isConnectionLoss(error)) return error
    const reason = `the database cannot be reached (${(error as Error).message || String((error as {code?: unknown}).code)})`
    if (this.failure === undefined && !this.closed) {
      this.log(`${reason}; trying again every ${this.retryMs} ms`)
      this.probe = setInterval(() => void this.watch(this.ping).catch(() => undefined), this.retryMs).unref()
    }
    this.failure = reason
    return new StoreUnavailableError(reason, {cause: error})
  }

  private reached(): void {
    if (this.failure === undefined) return
    this.failure = undefined
    clearInterval(this.probe)
    this.log('the database answers again')
  }
}
