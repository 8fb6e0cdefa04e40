// `aitbc serve` start: from spawn until /health answers, and the resident memory at that moment, on a
// data directory with a large history against one with none. The two alternate, several runs each.
// The large one is also started without its history index (the first start after upgrading, or after
// losing the index): shown in the row's detail.
import {readdir, rm, stat} from 'node:fs/promises'
import path from 'node:path'

import {HISTORY_INDEX_FILE} from '../src/server/store/history-index.js'

import {memoryOf} from './lib/processes.js'
import {startCoordinator, type DataDir} from './lib/servers.js'
import {median} from './lib/stats.js'
import {row, type Row} from './lib/table.js'

export const STARTUP_TARGET_MS = 3000
export const STARTUP_RSS_TARGET_MIB = 300

export interface Start {
  ms: number
  rssMiB: number
  peakMiB: number
}

/** One start of `aitbc serve` on `dataDir`: until /health answers, and the memory then. */
export async function startOnce(dataDir: DataDir): Promise<Start> {
  const started = performance.now()
  const server = await startCoordinator(dataDir)
  try {
    const response = await fetch(`${server.url}/health`)
    await response.arrayBuffer()
    if (!response.ok) throw new Error(`/health answered ${response.status}`)
    const ms = performance.now() - started
    return {ms, ...memoryOf(server.child.pid!)}
  } finally {
    await server.stop()
  }
}

async function diskMiB(dir: string): Promise<number> {
  const sizes = await Promise.all((await readdir(dir)).map(async (name) => (await stat(path.join(dir, name))).size))
  return sizes.reduce((a, b) => a + b, 0) / 2 ** 20
}

/** `warm`: an untimed start of each store first. */
export async function serveStartup(empty: DataDir, full: DataDir, finishedJobs: number, runs: number, warm = true): Promise<Row[]> {
  const emptyStarts: Start[] = []
  const fullStarts: Start[] = []
  const unindexedStarts: Start[] = []
  // An untimed start of each first, so the files are in the page cache as they are on a running machine.
  if (warm) await startOnce(empty)
  if (warm) await startOnce(full)
  for (let i = 0; i < runs; i++) {
    emptyStarts.push(await startOnce(empty))
    fullStarts.push(await startOnce(full))
    // Parsed whole; the stop writes the index again for the next round.
    await rm(path.join(full.dir, HISTORY_INDEX_FILE), {force: true})
    unindexedStarts.push(await startOnce(full))
  }
  const of = (starts: Start[], field: keyof Start) => median(starts.map((start) => start[field]))
  const jobs = finishedJobs.toLocaleString('en-US')
  return [
    row(
      {
        figure: `aitbc serve start until /health answers, ${jobs} finished jobs`,
        value: of(fullStarts, 'ms'),
        unit: 'ms',
        baseline: {name: 'empty store', value: of(emptyStarts, 'ms'), unit: 'ms'},
        target: `< ${STARTUP_TARGET_MS} ms`,
        detail: `median of ${runs}; ${(await diskMiB(full.dir)).toFixed(0)} MiB on disk; without ${HISTORY_INDEX_FILE} ${of(unindexedStarts, 'ms').toFixed(0)} ms, peak ${of(unindexedStarts, 'peakMiB').toFixed(0)} MiB`,
      },
      (_ratio, ms) => ms < STARTUP_TARGET_MS,
    ),
    row(
      {
        figure: `aitbc serve resident memory at /health, ${jobs} finished jobs`,
        value: of(fullStarts, 'rssMiB'),
        unit: 'MiB',
        baseline: {name: 'empty store', value: of(emptyStarts, 'rssMiB'), unit: 'MiB'},
        target: `< ${STARTUP_RSS_TARGET_MIB} MiB, peak too`,
        detail: `peak ${of(fullStarts, 'peakMiB').toFixed(0)} MiB (empty store ${of(emptyStarts, 'peakMiB').toFixed(0)})`,
      },
      (_ratio, rss) => rss < STARTUP_RSS_TARGET_MIB && of(fullStarts, 'peakMiB') < STARTUP_RSS_TARGET_MIB,
    ),
  ]
}
