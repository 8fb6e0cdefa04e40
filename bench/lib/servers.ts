// The servers under test, each a subprocess on loopback: `aitbc serve` on a data directory, and the bare
// Koa baseline. Data directories are made with the coordinator's own init and seeded with history.
import {cp} from 'node:fs/promises'
import path from 'node:path'

import {initDataDir, type InitResult} from '../../src/server/data-dir.js'
import {startServer, type RunningServer} from './processes.js'
import {seedFinishedJobs} from './seed-history.js'

const ROOT = path.resolve(import.meta.dirname, '..', '..')
/** The built CLI, as users run it. */
export const AITBC_BIN = path.join(ROOT, 'bin', 'run.js')

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

/**
 * Whether the coordinators the bench starts fsync acknowledged writes, for the table's fsync column.
 * `aitbc serve` has no such setting yet (issue 12 adds it, on by default): its writes are not fsynced.
 * When it lands, startCoordinator passes the setting and the server rows run with it on and off.
 */
export const COORDINATOR_FSYNC: 'on' | 'off' = 'off'

export function startCoordinator(dataDir: DataDir): Promise<RunningServer> {
  // Throughput, not admission control, is measured here: the load's pending jobs may pass the default caps.
  const uncapped = ['--max-pending-per-client', '100000000', '--max-queued-prompt-bytes', '64gb']
  return startServer(process.execPath, [AITBC_BIN, 'serve', '--data-dir', dataDir.dir, '--port', '0', ...uncapped])
}

export function startBareKoa(): Promise<RunningServer> {
  return startServer(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'bare-koa-server.ts')])
}
