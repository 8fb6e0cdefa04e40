// One writer per data directory. The lock is a listening Unix socket in Linux's abstract namespace,
// named after the directory's real path: only one process can listen on a name, and the kernel drops
// it the moment its holder exits, however it exits (SIGKILL included), so a lock is never stale and
// there is no file to clean up. A second process gets EADDRINUSE at once and asks the holder, over
// that socket, for its pid, so the refusal can name it.
import {createHash} from 'node:crypto'
import {realpath} from 'node:fs/promises'
import {createConnection, createServer, type Server} from 'node:net'
import path from 'node:path'

import {DataDirError} from './data-dir.js'

/** How long a refused process waits for the holder to say who it is (it answers at once), by default (--lock-wait). */
export const ASK_HOLDER_MS = 2000

export class DataDirLockedError extends DataDirError {
  constructor(
    readonly dir: string,
    readonly holderPid: number | undefined,
    askedMs = ASK_HOLDER_MS,
  ) {
    const who = holderPid === undefined ? `another process (it did not say its pid within ${askedMs / 1000} s, --lock-wait)` : `process ${holderPid}`
    super(`${dir} is in use by ${who}: one coordinator at a time may use a data directory. Stop that one first; nothing was written.`)
    this.name = 'DataDirLockedError'
  }
}

export interface DataDirLock {
  readonly socketName: string
  release(): Promise<void>
}

/** Takes the directory's lock for this process, or throws DataDirLockedError naming the holder (asked for `askHolderMs`). */
export async function lockDataDir(dir: string, askHolderMs = ASK_HOLDER_MS): Promise<DataDirLock> {
  const socketName = await lockName(dir)
  const server = createServer((socket) => socket.end(JSON.stringify({pid: process.pid})))
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({path: socketName}, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    throw new DataDirLockedError(dir, await askHolder(socketName, askHolderMs), askHolderMs)
  }
  // The lock must not keep a process alive that has nothing else to do.
  server.unref()
  let released: Promise<void> | undefined
  return {socketName, release: () => (released ??= close(server))}
}

/** The socket name for `dir`: by real path, so `./data` and `/abs/data` (or a link to it) are one lock. */
export async function lockName(dir: string): Promise<string> {
  const real = await realDirectory(path.resolve(dir))
  return `\0aitbc-datadir-${createHash('sha256').update(real).digest('hex').slice(0, 32)}`
}

/** The real path of `dir`, or of its nearest existing parent joined with the rest (for a directory yet to be made). */
async function realDirectory(dir: string): Promise<string> {
  try {
    return await realpath(dir)
  } catch (error) {
    const parent = path.dirname(dir)
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === dir) return dir
    return path.join(await realDirectory(parent), path.basename(dir))
  }
}

function askHolder(socketName: string, askHolderMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({path: socketName})
    let text = ''
    const done = (pid: number | undefined) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(pid)
    }
    const timer = setTimeout(() => done(undefined), askHolderMs)
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (text += chunk.slice(0, 100)))
    socket.on('error', () => done(undefined))
    socket.on('end', () => {
      try {
        const pid = (JSON.parse(text) as {pid?: unknown}).pid
        done(Number.isSafeInteger(pid) ? (pid as number) : undefined)
      } catch {
        done(undefined)
      }
    })
  })
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}
