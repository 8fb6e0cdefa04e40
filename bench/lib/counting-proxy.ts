// An HTTP proxy that records the requests passing through it, to count what a miner sends the
// coordinator per job (the streaming bench, the miner's claim-next test).
import {createServer, request as httpRequest, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface CountingProxy {
  url: string
  /** `METHOD path` (without the query) of every request seen, in order. */
  seen: string[]
  /** Requests seen whose path (with its query) passes `filter`. */
  count(filter: (path: string) => boolean): number
  close(): Promise<void>
}

/** `rewrite` may send a request to another path of `target` (one it lacks, to play an older coordinator). */
export async function startCountingProxy(target: string, rewrite: (path: string) => string = (path) => path): Promise<CountingProxy> {
  const paths: string[] = []
  const seen: string[] = []
  const server: Server = createServer((request, response) => {
    const url = request.url ?? '/'
    paths.push(url)
    seen.push(`${request.method} ${url.split('?')[0]}`)
    const upstream = httpRequest(new URL(rewrite(url), target), {method: request.method, headers: request.headers}, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    })
    upstream.on('error', () => response.destroy())
    request.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    count: (filter) => paths.filter(filter).length,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  }
}
