// A network command ends when its work does: it never waits for the coordinator to close the
// connection, and it leaves no socket or timer behind to keep the process up after printing (issue 17
// item 11: `aitbc health` used to exit ~250 ms after its output). What lingered was fetch's: undici
// parses HTTP with a WebAssembly module whose optimised compile V8 finishes in the background, and
// Node waits for it before exiting (`node --no-liftoff` makes a bare fetch script exit at once). The
// client is on node:http (src/client/transport.ts), which uses no WebAssembly. Nothing here is timed
// but the generous bound that kills a command which would otherwise hang.
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {createConnection, createServer, type Server, type Socket} from 'node:net'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, it} from 'node:test'

import {runCli} from '../helpers/cli.js'
import {assertBuilt} from '../server/serve-process.js'
import {aitbc} from '../cli/aitbc.js'
import {Coordinator, until} from '../cli/coordinator.js'

let coordinator: Coordinator
let holder: HoldingProxy
before(async () => {
  assertBuilt()
  coordinator = await Coordinator.start()
  holder = await startHoldingProxy(new URL(coordinator.server.url))
})
after(async () => {
  await holder?.close()
  await coordinator?.close()
})

interface HoldingProxy {
  url: string
  /** Client connections closed by the client, and still open. */
  closedByClient: number
  open: number
  close(): Promise<void>
}

/**
 * Forwards bytes to the coordinator and back, but never closes a client's connection: when the
 * coordinator ends its side (its keep-alive timeout), the client's stays open until the client closes it.
 */
async function startHoldingProxy(target: URL): Promise<HoldingProxy> {
  const clients = new Set<Socket>()
  const proxy = {closedByClient: 0, open: 0}
  const server: Server = createServer({allowHalfOpen: true}, (client) => {
    clients.add(client)
    proxy.open++
    const upstream = createConnection({host: target.hostname, port: Number(target.port), allowHalfOpen: true})
    client.on('data', (chunk) => upstream.write(chunk))
    upstream.on('data', (chunk) => client.write(chunk))
    upstream.on('error', () => {})
    client.on('error', () => {})
    client.on('end', () => proxy.closedByClient++)
    client.on('close', () => {
      proxy.open--
      clients.delete(client)
      upstream.destroy()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get closedByClient() {
      return proxy.closedByClient
    },
    get open() {
      return proxy.open
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of clients) client.destroy()
        server.close(() => resolve())
      }),
  }
}

it('jobs get and health exit after printing while the server keeps their connection open', {timeout: 120_000}, async () => {
  const job = await coordinator.submit('Say hi')
  const env = {AITBC_URL: holder.url, AITBC_API_KEY: coordinator.server.clientKey}
  const before = holder.closedByClient
  // Killed after 30 s: a command that waits for the server to hang up would never end on its own.
  const got = await runCli(['jobs', 'get', job.job_id], {env, timeoutMs: 30_000})
  assert.equal(got.code, 0, got.stderr)
  assert.match(got.stdout, new RegExp(`^job +${job.job_id}$`, 'm'))
  const health = await runCli(['health'], {env, timeoutMs: 30_000})
  assert.equal(health.code, 0, health.stderr)
  assert.match(health.stdout, /^ok /)
  // Each command hung up itself (its exit closed the socket); the proxy never did.
  await until('the proxy to see both connections closed by their clients', async () => (holder.closedByClient - before === 2 ? true : undefined))
})

it('a finished command leaves no socket or timer of its own running in its process, and never calls fetch', {timeout: 60_000}, async () => {
  const job = await coordinator.submit('Say hi')
  const serverPort = Number(new URL(coordinator.server.url).port)
  const fetchCalls: string[] = []
  const realFetch = globalThis.fetch
  globalThis.fetch = (input, init) => {
    fetchCalls.push(String(input instanceof Request ? input.url : input))
    return realFetch(input, init)
  }
  const timersBefore = count(process.getActiveResourcesInfo(), 'Timeout')
  try {
    for (const args of [['jobs', 'get', job.job_id], ['health'], ['jobs', 'list']]) {
      // The test's own requests (the submit above) keep theirs; only what the command opens counts.
      const socketsBefore = new Set(socketsTo(serverPort))
      const result = await aitbc(args, {env: coordinator.env('client')})
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`)
      await new Promise((resolve) => setImmediate(resolve))
      const holding = socketsTo(serverPort).filter((socket) => !socketsBefore.has(socket) && !socket.destroyed && hasRef(socket))
      assert.deepEqual(holding.map((socket) => `${socket.localPort} -> ${socket.remotePort}`), [], `${args.join(' ')} left a socket keeping the process up`)
      assert.equal(count(process.getActiveResourcesInfo(), 'Timeout'), timersBefore, `${args.join(' ')} left a timer running`)
    }
  } finally {
    globalThis.fetch = realFetch
  }
  assert.deepEqual(fetchCalls, [], 'the client requests over node:http, never fetch')
})

it('a network command loads no undici: fetch\'s Request, Response and Headers are some 60 ms of its cold start', {timeout: 60_000}, async () => {
  const job = await coordinator.submit('Say hi')
  // Preloaded into the command: names the internal undici modules Node loaded, as the process exits.
  const reporter = path.join(mkdtempSync(path.join(tmpdir(), 'aitbc-modules-')), 'report.mjs')
  writeFileSync(reporter, "process.on('exit', () => process.stderr.write(`loaded: ${process.moduleLoadList.filter((m) => m.includes('undici')).join(' ') || 'none'}\\n`))\n")
  const nodeOptions = `${process.env.NODE_OPTIONS ?? ''} --import=${reporter}`.trim()
  for (const args of [['jobs', 'get', job.job_id], ['explorer', 'stats']]) {
    const result = await runCli(args, {env: {...coordinator.env('client'), NODE_OPTIONS: nodeOptions}, timeoutMs: 30_000})
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /^loaded: none$/m, `${args.join(' ')} loaded undici`)
  }
})

/** The client sides of connections to the coordinator in this process (their remote port is the server's). */
function socketsTo(port: number): Socket[] {
  const handles = (process as unknown as {_getActiveHandles(): unknown[]})._getActiveHandles()
  return handles.filter((handle): handle is Socket => handle instanceof Object && 'remotePort' in handle && (handle as Socket).remotePort === port)
}

function count(resources: string[], kind: string): number {
  return resources.filter((resource) => resource === kind).length
}

/** Whether the socket keeps the event loop alive (net.Socket has no public hasRef; its handle does). */
function hasRef(socket: Socket): boolean {
  const handle = (socket as unknown as {_handle?: {hasRef?: () => boolean}})._handle
  return handle?.hasRef?.() ?? false
}
