// A TCP relay to the database that a test can cut (the listener closed, every relayed connection
// destroyed, as when the server restarts or the network drops) and mend on the same port.
import net from 'node:net'

export interface CuttableLink {
  /** `databaseUrl` with its host and port replaced by the relay's. */
  url: string
  cut(): Promise<void>
  mend(): Promise<void>
  close(): Promise<void>
}

export async function startCuttableLink(databaseUrl: string): Promise<CuttableLink> {
  const target = new URL(databaseUrl)
  const sockets = new Set<net.Socket>()
  const relay = (client: net.Socket) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => undefined).on('close', () => {
        sockets.delete(socket)
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  }
  let server = net.createServer(relay)
  const listen = (port: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()))
  await listen(0)
  const port = (server.address() as net.AddressInfo).port
  const url = new URL(databaseUrl)
  url.hostname = '127.0.0.1'
  url.port = String(port)
  const cut = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const socket of sockets) socket.destroy()
    await closed
  }
  return {
    url: url.toString(),
    cut,
    mend: async () => {
      server = net.createServer(relay)
      await listen(port)
    },
    close: () => (server.listening ? cut() : Promise.resolve()),
  }
}
