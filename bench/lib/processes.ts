// Child processes for benchmarks: time a command to exit, or start a server and read its URL.
import {type ChildProcess, spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {createInterface} from 'node:readline'

/** Wall-clock milliseconds from spawn to exit; throws if the command fails. */
export function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const started = process.hrtime.bigint()
  const child = spawn(command, args, {stdio: ['ignore', 'ignore', 'pipe'], env})
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim()}`))
      else resolve(Number(process.hrtime.bigint() - started) / 1e6)
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

/** Starts a server whose first stdout line is `listening on http://HOST:PORT`; its stderr is kept for errors. */
export function startServer(command: string, args: string[]): Promise<RunningServer> {
  const started = performance.now()
  const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe']})
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
