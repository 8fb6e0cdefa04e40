// Small misbehaving HTTP servers on 127.0.0.1 for the tests of a CLI and a miner that must survive them:
// one that never answers, one that sends headers and then nothing, one that drips its answer, one that
// answers whatever the test says (HTML error pages, huge bodies, redirects, lies), optionally passing
// the other requests on to a real coordinator. Every request is recorded with its headers.
import {createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo, Socket} from 'node:net'

export interface SeenRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  /** When the request arrived (Date.now()). */
  at: number
}

/** What to do with one request; `'forward'` passes it to the coordinator given to startHostileServer. */
export type Behaviour = 'silent' | 'headers-only' | 'drip' | 'forward' | ((req: IncomingMessage, res: ServerResponse) => void)

export interface HostileServer {
  url: string
  seen: SeenRequest[]
  close(): Promise<void>
}

/** One server for a test, closed at its end. */
export async function withServer(behave: (request: {method: string; path: string}) => Behaviour, test: (server: HostileServer) => Promise<void>): Promise<void> {
  const server = await startHostileServer(behave)
  try {
    await test(server)
  } finally {
    await server.close()
  }
}

export async function startHostileServer(behave: (request: SeenRequest) => Behaviour, forwardTo?: string): Promise<HostileServer> {
  const seen: SeenRequest[] = []
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const request = {method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, at: Date.now()}
    seen.push(request)
    const behaviour = behave(request)
    if (behaviour === 'silent') return
    if (behaviour === 'headers-only') return void res.writeHead(200, {'content-type': 'application/json', 'content-length': '1000'}).flushHeaders()
    if (behaviour === 'drip') {
      res.writeHead(200, {'content-type': 'application/json'})
      const timer = setInterval(() => res.write(' '), 100)
      timers.add(timer)
      return void res.write('{"status": "ok", "version": "')
    }
    if (behaviour !== 'forward') return behaviour(req, res)
    if (!forwardTo) throw new Error('forward needs a coordinator URL')
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'connection')) as Record<string, string>
    const answer = await fetch(new URL(request.path, forwardTo), {method: request.method, headers, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined})
    res.writeHead(answer.status, {'content-type': answer.headers.get('content-type') ?? 'application/json'}).end(Buffer.from(await answer.arrayBuffer()))
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearInterval(timer)
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A fixed answer: status, content type and body. */
export function answer(status: number, contentType: string, body: string | Buffer): Behaviour {
  return (_req, res) => void res.writeHead(status, {'content-type': contentType}).end(body)
}

/** A JSON answer. */
export function jsonAnswer(status: number, value: unknown): Behaviour {
  return answer(status, 'application/json', JSON.stringify(value))
}

/** Writes `piece` as fast as the client reads it, up to `maxBytes` (then ends, unfinished); counts what it wrote. */
export function pour(res: ServerResponse, head: string, piece: string, maxBytes: number, written: {bytes: number}): void {
  res.write(head)
  const chunk = piece.repeat(Math.max(1, Math.floor(65_536 / piece.length)))
  const pump = () => {
    while (!res.destroyed && written.bytes < maxBytes) {
      written.bytes += chunk.length
      if (!res.write(chunk)) return void res.once('drain', pump)
    }
    if (!res.destroyed) res.end()
  }
  pump()
}
