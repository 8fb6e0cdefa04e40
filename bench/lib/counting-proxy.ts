// An HTTP proxy that counts the requests passing through it by path, to count what a miner sends the
// coordinator per job.
import {createServer, request as httpRequest, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface CountingProxy {
  url: string
  /** Requests seen whose path passes `filter`. */
  count(filter: (path: string) => boolean): number
  close(): Promise<void>
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const paths: string[] = []
  const server: Server = createServer((request, response) => {
    paths.push(request.url ?? '')
    const upstream = httpRequest(new URL(request.url ?? '/', target), {method: request.method, headers: request.headers}, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    })
    upstream.on('error', () => response.destroy())
    request.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: (filter) => paths.filter(filter).length,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  }
}
