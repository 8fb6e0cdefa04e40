// The servers under test, each a subprocess on loopback: `aitbc serve` on a data directory, and the bare
// Koa baseline. Data directories are made with the coordinator's own init and seeded with history.
import {cp} from 'node:fs/promises'

import {initDataDir, type InitResult} from '../../src/server/data-dir.js'
import {packageFile} from '../../src/server/package-root.js'
import {nodeScript} from '../../test/helpers/process.js'
import {startServer, type RunningServer} from './processes.js'
import {seedFinishedJobs} from './seed-history.js'

/** The built CLI, as users run it. */
export const AITBC_BIN = packageFile('bin/run.js')

export interface DataDir {
  dir: string
  keys: InitResult
}

export async function createDataDir(dir: string, finishedJobs: number): Promise<DataDir> {
  const keys = await initDataDir(dir)
  if (finishedJobs > 0) await seedFinishedJobs(dir, finishedJobs)
  return {dir, keys}
}

/** A copy to run a server on, so every phase starts from the same history. */
export async function copyDataDir(from: DataDir, dir: string): Promise<DataDir> {
  await cp(from.dir, dir, {recursive: true})
  return {dir, keys: {...from.keys, data_dir: dir}}
}

/** `extra`: more serve flags (`--fsync off`). */
export function startCoordinator(dataDir: DataDir, extra: string[] = []): Promise<RunningServer> {
  // Throughput, not admission control, is measured here: the load's pending jobs may pass the default caps.
  const uncapped = ['--max-pending-per-client', '100000000', '--max-queued-prompt-bytes', '64gb', '--max-miners-per-key', '1000000']
  return startServer(process.execPath, [AITBC_BIN, 'serve', '--data-dir', dataDir.dir, '--port', '0', ...uncapped, ...extra])
}

export function startBareKoa(): Promise<RunningServer> {
  return startServer(process.execPath, nodeScript(new URL('../bare-koa-server.ts', import.meta.url)))
}
