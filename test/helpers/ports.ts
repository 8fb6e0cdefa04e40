import {readFileSync} from 'node:fs'
import {createServer} from 'node:net'

/**
 * Where free ports are looked for: below the ephemeral range (Linux's ip_local_port_range), which the
 * OS hands out to every port-0 listener and outgoing connection. A port taken from that range and
 * released was soon another test's server (two suites side by side): an "unreachable" URL that
 * answered, or a restart on the same port refused with EADDRINUSE.
 */
function portsBelowEphemeral(): {low: number; high: number} {
  let ephemeralLow = 32768
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralLow
  } catch {
    // Not Linux: the usual range's start.
  }
  const high = Math.max(ephemeralLow - 1, 2048)
  return {low: Math.max(1024, high - 12_000), high}
}

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })

/** A loopback port nothing listens on right now, that no port-0 listener or outgoing connection will get. */
export async function freePort(): Promise<number> {
  const {low, high} = portsBelowEphemeral()
  for (let tries = 0; tries < 100; tries++) {
    const port = low + Math.floor(Math.random() * (high - low + 1))
    if (await canListen(port)) return port
  }
  throw new Error(`no free loopback port found in ${low}-${high}`)
}
