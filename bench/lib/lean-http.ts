// A lean HTTP/1.1 client for load generators that share the machine with the server they measure: one
// kept-alive connection per simulated client or miner, one request at a time on it, the request written
// as one string and the answer read by its Content-Length (what autocannon does for the bare Koa
// baseline), so the load costs about as little CPU per request as the baseline's does. node:http's
// client (agent, IncomingMessage stream, header objects) cost several times more, and the row then
// measured the generator as much as the coordinator.
import {connect, type Socket} from 'node:net'

export interface Answer {
  status: number
  /** The body as text (UTF-8). */
  text: string
}

const HEAD_END = Buffer.from('\r\n\r\n')
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i
const CHUNKED = /\r\ntransfer-encoding:[ \t]*chunked/i

interface Waiting {
  resolve: (answer: Answer) => void
  reject: (error: Error) => void
  what: string
}

export class LeanConnection {
  private received: Buffer | undefined
  private waiting: Waiting | undefined
  private failure: Error | undefined
  private socket: Socket | undefined

  private constructor(
    private readonly host: string,
    private readonly port: number,
    /** `Host: …` and the fixed headers, ending in CRLF. */
    private readonly fixedHeaders: string,
  ) {}

  /** Connects to `url`'s host and port; every request carries `headers` (an API key). */
  static async open(url: string, headers: Record<string, string> = {}): Promise<LeanConnection> {
    const {hostname, port} = new URL(url)
    const fixed = `Host: ${hostname}:${port}\r\n${Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')}`
    const connection = new LeanConnection(hostname, Number(port), fixed)
    await connection.connect()
    return connection
  }

  /** One request; the answer once it has arrived whole. `body` is sent as JSON. */
  async request(method: 'GET' | 'POST', path: string, body?: string): Promise<Answer> {
    if (this.failure) throw this.failure
    if (this.waiting) throw new Error(`${method} ${path}: this connection still waits for ${this.waiting.what}`)
    // Closed by the server while idle (its keep-alive timeout), as any client's may be: connect again.
    if (!this.socket) await this.connect()
    const what = `${method} ${path}`
    const head = `${what} HTTP/1.1\r\n${this.fixedHeaders}`
    this.socket!.write(
      body === undefined ? `${head}\r\n` : `${head}content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
    return new Promise((resolve, reject) => (this.waiting = {resolve, reject, what}))
  }

  /** Ends the connection; a request waiting for its answer fails with an AbortError. */
  close(): void {
    const error = new Error('the connection was closed')
    error.name = 'AbortError'
    this.fail(error)
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({host: this.host, port: this.port})
      socket.once('error', reject)
      socket.once('connect', () => {
        socket.off('error', reject)
        socket.setNoDelay(true)
        socket.on('data', (chunk: Buffer) => this.onData(chunk))
        socket.on('error', (error) => this.fail(error))
        socket.on('close', () => this.closed(socket))
        this.socket = socket
        resolve()
      })
    })
  }

  /** Closed while a request waited (or in the middle of an answer): that request fails; while idle, the next one reconnects. */
  private closed(socket: Socket): void {
    if (this.socket !== socket) return
    this.socket = undefined
    if (this.waiting || this.received) this.fail(new Error('the server closed the connection'))
  }

  private onData(chunk: Buffer): void {
    const bytes = this.received ? Buffer.concat([this.received, chunk]) : chunk
    const headEnd = bytes.indexOf(HEAD_END)
    if (headEnd === -1) {
      this.received = bytes
      return
    }
    const head = bytes.toString('latin1', 0, headEnd)
    if (CHUNKED.test(head)) return this.fail(new Error(`${this.waiting?.what}: a chunked answer; this client reads answers by their Content-Length`))
    const length = CONTENT_LENGTH.exec(head)
    const bodyStart = headEnd + HEAD_END.length
    const bodyEnd = bodyStart + (length ? Number(length[1]) : 0)
    if (bytes.length < bodyEnd) {
      this.received = bytes
      return
    }
    if (bytes.length > bodyEnd) return this.fail(new Error(`${this.waiting?.what}: ${bytes.length - bodyEnd} bytes past the answer, which no request asked for`))
    this.received = undefined
    const waiting = this.waiting
    this.waiting = undefined
    if (!waiting) return this.fail(new Error(`an answer to no request: ${head.slice(0, head.indexOf('\r\n'))}, ${bytes.toString('utf8', bodyStart, bodyEnd).slice(0, 200)}`))
    // "HTTP/1.1 201 Created": the status is the three digits after the first space.
    waiting.resolve({status: Number(head.slice(9, 12)), text: bytes.toString('utf8', bodyStart, bodyEnd)})
  }

  private fail(error: Error): void {
    this.failure ??= error
    const waiting = this.waiting
    this.waiting = undefined
    waiting?.reject(this.failure)
    this.socket?.destroy()
    this.socket = undefined
  }
}
