// Finished jobs the coordinator has not acknowledged yet. They stay in memory while the miner runs and
// in a small file (mode 0600: results can be private) while any are left, so that a miner restarted
// during a coordinator outage still delivers them.
import {mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {MinerError} from './errors.js'

/** What the miner has to tell the coordinator about one job it ran. */
export type Delivery = {
  job_id: string
  miner_id: string
  model: string
  /** Seconds the backend took. */
  seconds: number
} & ({kind: 'complete'; result: string; units?: number} | {kind: 'fail'; error: string})

export class UndeliveredResults {
  private readonly entries = new Map<string, Delivery>()
  private writing: Promise<void> = Promise.resolve()

  private constructor(readonly file: string | undefined) {}

  /** Opens the file (when given) and loads what a previous run left in it. */
  static async open(file?: string): Promise<UndeliveredResults> {
    const results = new UndeliveredResults(file)
    if (!file) return results
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return results
      throw error
    }
    const saved = parseDeliveries(text)
    if (!saved) {
      throw new MinerError(`${file} holds undelivered job results but cannot be read as them.`, 'setup', 'Look at it, then move it away (results in it are lost) or pass another --state-dir.')
    }
    for (const delivery of saved) results.entries.set(delivery.job_id, delivery)
    return results
  }

  get size(): number {
    return this.entries.size
  }

  list(): Delivery[] {
    return [...this.entries.values()]
  }

  has(jobId: string): boolean {
    return this.entries.has(jobId)
  }

  keep(delivery: Delivery): Promise<void> {
    this.entries.set(delivery.job_id, delivery)
    return this.save()
  }

  forget(jobId: string): Promise<void> {
    if (!this.entries.delete(jobId)) return Promise.resolve()
    return this.save()
  }

  /** Writes the current entries (or removes the file when none are left); writes never interleave. */
  private save(): Promise<void> {
    const {file} = this
    if (!file) return Promise.resolve()
    // A failed write is reported to its caller once and does not block the writes after it.
    this.writing = this.writing.catch(() => {}).then(async () => {
      if (this.entries.size === 0) return rm(file, {force: true})
      await mkdir(path.dirname(file), {recursive: true, mode: 0o700})
      const temporary = `${file}.${process.pid}.tmp`
      await writeFile(temporary, `${JSON.stringify(this.list(), null, 2)}\n`, {mode: 0o600})
      await rename(temporary, file)
    })
    return this.writing
  }
}

function parseDeliveries(text: string): Delivery[] | undefined {
  try {
    const value: unknown = JSON.parse(text)
    if (!Array.isArray(value)) return undefined
    const valid = value.every(
      (entry) =>
        typeof entry?.job_id === 'string' &&
        typeof entry.miner_id === 'string' &&
        typeof entry.model === 'string' &&
        typeof entry.seconds === 'number' &&
        ((entry.kind === 'complete' && typeof entry.result === 'string') || (entry.kind === 'fail' && typeof entry.error === 'string')),
    )
    return valid ? (value as Delivery[]) : undefined
  } catch {
    return undefined
  }
}
