// A loopback HTTP proxy in front of the real coordinator that records what the CLI sends and can lose
// answers: it forwards a request, then replies 503 instead of the coordinator's answer, as a failing
// load balancer would after the work was done. That is the case an Idempotency-Key exists for.
import {createServer, type IncomingHttpHeaders, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface SeenRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
}

export interface FlakyProxy {
  url: string
  seen: SeenRequest[]
  close(): Promise<void>
}

/** `loseAnswers(request)` says, per request, whether to drop the coordinator's answer and reply 503. */
export async function startFlakyProxy(target: string, loseAnswers: (request: SeenRequest) => boolean): Promise<FlakyProxy> {
  const seen: SeenRequest[] = []
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const request = {method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers}
    seen.push(request)
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'connection')) as Record<string, string>
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined
    const answer = await fetch(new URL(request.path, target), {method: request.method, headers, body})
    const text = await answer.text()
    if (loseAnswers(request)) {
      res.writeHead(503, {'content-type': 'application/json'}).end(JSON.stringify({detail: 'upstream unavailable', error_code: 'unavailable'}))
      return
    }
    res.writeHead(answer.status, {'content-type': answer.headers.get('content-type') ?? 'application/json'}).end(text)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
