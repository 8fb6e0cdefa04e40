// An HTTP proxy that records the requests passing through it, to count what a miner sends the
// coordinator per job (the streaming bench, the miner's claim-next test).
import {createServer, request as httpRequest, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

/** A request that got its answer's status line. */
export interface Answered {
  /** `METHOD path`, without the query. */
  request: string
  status: number
  /** The answer's body is JSON `null`: a long poll that found no job. */
  empty: boolean
}

export interface CountingProxy {
  url: string
  /** `METHOD path` (without the query) of every request seen, in order. */
  seen: string[]
  /** The requests that were answered, in the order their answers ended. */
  answered: Answered[]
  /** Requests seen whose path (with its query) passes `filter`. */
  count(filter: (path: string) => boolean): number
  close(): Promise<void>
}

/** An answer this short may be `null`; only those are looked into. */
const SHORT_ANSWER_BYTES = 16

/** `rewrite` may send a request to another path of `target` (one it lacks, to play an older coordinator). */
export async function startCountingProxy(target: string, rewrite: (path: string) => string = (path) => path): Promise<CountingProxy> {
  const paths: string[] = []
  const seen: string[] = []
  const answered: Answered[] = []
  const server: Server = createServer((request, response) => {
    const url = request.url ?? '/'
    const name = `${request.method} ${url.split('?')[0]}`
    paths.push(url)
    seen.push(name)
    const upstream = httpRequest(new URL(rewrite(url), target), {method: request.method, headers: request.headers}, (answer) => {
      const status = answer.statusCode ?? 502
      response.writeHead(status, answer.headers)
      const short = Number(answer.headers['content-length']) <= SHORT_ANSWER_BYTES
      let body = ''
      if (short) answer.on('data', (chunk: Buffer) => (body += chunk.toString('latin1')))
      answer.on('end', () => answered.push({request: name, status, empty: short && body.trim() === 'null'}))
      answer.pipe(response)
    })
    upstream.on('error', () => response.destroy())
    request.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    answered,
    count: (filter) => paths.filter(filter).length,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  }
}
