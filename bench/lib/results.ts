// bench/results/latest.json: every run of `npm run bench`, oldest first, so figures can be compared
// across changes; the README's Performance section is generated from the newest full run.
import {existsSync} from 'node:fs'
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import path from 'node:path'

import type {Row} from './table.js'

export interface Machine {
  node: string
  cpus: number
  cpuModel?: string
  /** 1, 5 and 15 minute load averages when the run ended. */
  loadAverage: number[]
  /** The same when it started. */
  loadAverageAtStart?: number[]
}

export interface BenchRun {
  date: string
  quick: boolean
  sizes: unknown
  machine: Machine
  rows: Row[]
  figures?: unknown
}

export interface BenchHistory {
  runs: BenchRun[]
}

/** The runs in `file`; none if it does not exist. A file written before the history (one run) is that run. */
export async function readRuns(file: string): Promise<BenchRun[]> {
  if (!existsSync(file)) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new Error(`${file} is not the bench's JSON (${(error as Error).message}); move it away to start a new history`)
  }
  if (isHistory(parsed)) return parsed.runs
  if (isRun(parsed)) return [parsed]
  throw new Error(`${file} holds neither runs nor a run of the bench; move it away to start a new history`)
}

/** Adds `run` to the history in `file`, written whole to a temporary file first so no run is lost. */
export async function appendRun(file: string, run: BenchRun): Promise<BenchHistory> {
  const history = {runs: [...(await readRuns(file)), run]}
  await mkdir(path.dirname(file), {recursive: true})
  const partial = `${file}.${process.pid}.tmp`
  await writeFile(partial, `${JSON.stringify(history, null, 2)}\n`)
  await rename(partial, file)
  return history
}

/** The newest run with the full sizes (`--quick` runs keep the benchmarks working, their figures mean little). */
export function newestFullRun(runs: readonly BenchRun[]): BenchRun | undefined {
  return [...runs].reverse().find((run) => !run.quick)
}

function isRun(value: unknown): value is BenchRun {
  return typeof value === 'object' && value !== null && Array.isArray((value as BenchRun).rows) && typeof (value as BenchRun).date === 'string'
}

function isHistory(value: unknown): value is BenchHistory {
  return typeof value === 'object' && value !== null && Array.isArray((value as BenchHistory).runs) && (value as BenchHistory).runs.every(isRun)
}
