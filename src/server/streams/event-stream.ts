// One Server-Sent Events answer, written straight to the connection. It writes only when the previous
// write has drained, so a follower that does not read holds no more than the socket's buffer; one that
// has not read for --send-timeout seconds is disconnected. A comment every KEEP_ALIVE_MS keeps proxies
// from closing a quiet stream.
import type {ServerResponse} from 'node:http'

export const KEEP_ALIVE_MS = 15_000

export class EventStream {
  private readonly closing = new AbortController()
  private readonly keepAlive: NodeJS.Timeout

  constructor(
    private readonly res: ServerResponse,
    private readonly sendTimeoutMs: number,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      // nginx buffers answers unless told not to; a stream must not wait in a proxy.
      'X-Accel-Buffering': 'no',
      ...headers,
    })
    res.flushHeaders()
    res.once('close', () => this.close())
    this.keepAlive = setInterval(() => {
      if (res.writableNeedDrain) return
      res.write(': keep-alive\n\n')
    }, KEEP_ALIVE_MS)
  }

  /** Aborted when the follower went away (or was disconnected). */
  get closed(): AbortSignal {
    return this.closing.signal
  }

  /** `event: name` with JSON data. False when the follower is gone. */
  event(name: string, data: unknown): Promise<boolean> {
    return this.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`)
  }

  /** An unnamed event (what OpenAI's streams are made of). */
  data(data: unknown): Promise<boolean> {
    return this.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)
  }

  end(): void {
    clearInterval(this.keepAlive)
    if (!this.res.writableEnded) this.res.end()
  }

  private async write(text: string): Promise<boolean> {
    if (this.closing.signal.aborted) return false
    if (this.res.write(text)) return true
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        // Not read for --send-timeout: free the connection and what it holds.
        this.res.destroy()
        done()
      }, this.sendTimeoutMs)
      const done = () => {
        clearTimeout(timer)
        this.res.off('drain', done)
        this.closing.signal.removeEventListener('abort', done)
        resolve()
      }
      this.res.once('drain', done)
      this.closing.signal.addEventListener('abort', done, {once: true})
    })
    return !this.closing.signal.aborted
  }

  private close(): void {
    clearInterval(this.keepAlive)
    this.closing.abort()
  }
}
