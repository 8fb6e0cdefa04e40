// Loopback listeners for the trust and verification tests: one that records every connection (to prove
// a command made no network call), and an HTTP proxy whose coordinator can be swapped under a fixed URL
// (to play a coordinator that comes back with another signing key).
import {createServer as createHttpServer, type Server} from 'node:http'
import {createServer as createTcpServer} from 'node:net'
import type {AddressInfo} from 'node:net'

export interface ConnectionRecorder {
  url: string
  connections: () => number
  close(): Promise<void>
}

/** Accepts TCP connections, counts them and closes them at once. */
export async function startConnectionRecorder(): Promise<ConnectionRecorder> {
  let connections = 0
  const server = createTcpServer((socket) => {
    connections++
    socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

export interface SwitchableProxy {
  url: string
  target: string
  close(): Promise<void>
}

/** Forwards every request to `proxy.target`, which a test may change at any time. */
export async function startSwitchableProxy(target: string): Promise<SwitchableProxy> {
  const proxy = {url: '', target, close: async () => {}}
  const server: Server = createHttpServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'connection')) as Record<string, string>
    const answer = await fetch(new URL(req.url ?? '/', proxy.target), {method: req.method, headers, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined})
    res.writeHead(answer.status, {'content-type': answer.headers.get('content-type') ?? 'application/json'})
    res.end(Buffer.from(await answer.arrayBuffer()))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  proxy.close = () => new Promise((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })
  return proxy
}
