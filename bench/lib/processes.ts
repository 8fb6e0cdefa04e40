// Child processes for benchmarks: time a command to exit, or start a server and read its URL.
import {type ChildProcess, spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {createInterface} from 'node:readline'

/**
 * Wall-clock milliseconds from spawn to exit, and from the last byte on stdout to the exit (0 when the
 * command printed nothing); throws if the command fails.
 */
export function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ms: number; lagMs: number}> {
  const started = process.hrtime.bigint()
  const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe'], env})
  let stderr = ''
  let lastOutput: bigint | undefined
  let exited: bigint | undefined
  child.stdout.on('data', () => (lastOutput = process.hrtime.bigint()))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  // 'exit' is the process ending; 'close' waits for its pipes as well, which the exit already closed.
  child.on('exit', () => (exited = process.hrtime.bigint()))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      const end = exited ?? process.hrtime.bigint()
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim()}`))
      else resolve({ms: Number(end - started) / 1e6, lagMs: lastOutput === undefined ? 0 : Math.max(0, Number(end - lastOutput) / 1e6)})
    })
  })
}

export interface RunningServer {
  url: string
  child: ChildProcess
  /** Milliseconds from spawn to the `listening on` line. */
  listeningMs: number
  stop(): Promise<void>
}

// Servers still running when the bench ends, however it ends (a failed row, Ctrl-C), go with it: they
// would otherwise live on as orphans and load every later measurement.
const servers = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of servers) child.kill('SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143))

/** Starts a server whose first stdout line is `listening on http://HOST:PORT`; its stderr is kept for errors. */
export function startServer(command: string, args: string[]): Promise<RunningServer> {
  const started = performance.now()
  const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe']})
  servers.add(child)
  child.once('exit', () => servers.delete(child))
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)))
  const lines = createInterface({input: child.stdout!})
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`${args.join(' ')} exited ${code} before listening: ${stderr.trim()}`))
    child.on('error', reject)
    child.once('exit', exited)
    lines.once('line', (line) => {
      child.off('exit', exited)
      const match = /^listening on (http:\/\/\S+)$/.exec(line)
      if (!match) {
        child.kill('SIGKILL')
        return reject(new Error(`unexpected first line: ${line}`))
      }
      lines.close()
      child.stdout!.resume()
      resolve({url: match[1], child, listeningMs: performance.now() - started, stop: () => stopChild(child)})
    })
  })
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/** Resident and peak resident memory of a process in MiB, from /proc (Linux); NaN elsewhere. */
export function memoryOf(pid: number): {rssMiB: number; peakMiB: number} {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN)
    return {rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024}
  } catch {
    return {rssMiB: Number.NaN, peakMiB: Number.NaN}
  }
}
