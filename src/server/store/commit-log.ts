// The commit log makes a flush all-or-nothing across the history files. A flush first appends
// `{"begin": sizes}` with the size each history file will have once it is written, then appends to the
// history files, then `{"done": sizes}`; only then is anything acknowledged. A crash part-way through
// leaves a `begin` without its `done` and files between the sizes before and after (a receipt without
// its job, a job without its transaction, a line cut in half): that flush was never acknowledged, so
// the next open rolls it back and a SIGKILL at any moment leaves a store that opens. A `begin` whose
// files all reached its sizes is complete, `done` or not. Files shorter or longer than the log allows
// were changed by something else: the store refuses to open, changing nothing.
import path from 'node:path'

import type {FileLayer, StoreFile} from './file-layer.js'
import {StoreCorruptError} from './store-errors.js'

export type Sizes = Readonly<Record<string, number>>

interface Entry {
  kind: 'begin' | 'done'
  sizes: Sizes
  /** Where the line starts and where the next one would. */
  start: number
  end: number
}

/** Lines are short; the last two complete ones are always within this many bytes of the end. */
const TAIL_BYTES = 8192
const NEWLINE = 0x0a

/** What of each history file counts, and what the log's end needs. */
export interface Recovery {
  keep: Sizes
  /** `rollBack`: drop the last `begin` (its flush is cut off the files); `finish`: record the `done` a complete flush lacks. */
  settle: 'rollBack' | 'finish' | 'none'
}

export class CommitLog {
  private constructor(
    readonly file: string,
    private readonly handle: StoreFile,
    private readonly names: readonly string[],
    /** The last two complete lines, oldest first; empty for a store from before the commit log. */
    private readonly entries: Entry[],
    private bytes: number,
  ) {}

  /** Opens (or creates) the log and reads its last two complete lines; `names` are the files it covers. */
  /** `addedLater`: names lines written before the file existed lack; they count as 0 bytes there. */
  static async open(files: FileLayer, file: string, names: readonly string[], addedLater: readonly string[] = []): Promise<CommitLog> {
    const handle = await files.open(file)
    try {
      const size = await handle.size()
      const start = Math.max(0, size - TAIL_BYTES)
      const tail = Buffer.alloc(size - start)
      for (let done = 0; done < tail.length; ) {
        const read = handle.readAt(tail, done, tail.length - done, start + done)
        if (read === 0) throw new StoreCorruptError(`${file}: shrank while it was read`)
        done += read
      }
      // Offsets where a line starts; the window's first bytes only count if the file starts there.
      const starts = [...(start === 0 ? [0] : []), ...[...tail.entries()].filter(([, byte]) => byte === NEWLINE).map(([at]) => start + at + 1)]
      const entries: Entry[] = []
      for (let i = Math.max(1, starts.length - 2); i < starts.length; i++) {
        const text = tail.subarray(starts[i - 1] - start, starts[i] - 1 - start).toString('utf8')
        entries.push({...parseEntry(file, text, names, addedLater), start: starts[i - 1], end: starts[i]})
      }
      if (entries.length === 0 && start > 0) throw new StoreCorruptError(`${file}: no complete line in its last ${TAIL_BYTES} bytes`)
      return new CommitLog(file, handle, names, entries, size)
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  /** False for a store written before the commit log: its files are read whole, then `done` records them. */
  get isEmpty(): boolean {
    return this.entries.length === 0
  }

  /** What the history files, now `sizes` bytes long, may keep; throws StoreCorruptError when they were changed. */
  recover(sizes: Sizes, dir: string): Recovery {
    const last = this.entries.at(-1)!
    const before = last.kind === 'done' ? last : this.entries.at(-2)
    if (before?.kind !== 'done') throw new StoreCorruptError(`${this.file}: a flush begins without the state before it`)
    const log = path.basename(this.file)
    for (const name of this.names) {
      const file = path.join(dir, name)
      if (sizes[name] < before.sizes[name]) {
        throw new StoreCorruptError(`${file} is ${sizes[name]} bytes, shorter than the ${before.sizes[name]} bytes committed to it: it was truncated or replaced`)
      }
      if (sizes[name] > last.sizes[name]) {
        throw new StoreCorruptError(`${file} is ${sizes[name]} bytes, more than the ${last.sizes[name]} bytes ${log} accounts for: one of the two was changed or replaced`)
      }
    }
    if (last.kind === 'done') return {keep: last.sizes, settle: 'none'}
    const complete = this.names.every((name) => sizes[name] === last.sizes[name])
    return complete ? {keep: last.sizes, settle: 'finish'} : {keep: before.sizes, settle: 'rollBack'}
  }

  /** Before a flush: the sizes the history files will reach. */
  begin(sizes: Sizes): void {
    this.write('begin', sizes)
  }

  /** After a flush (or for a store as it is): the history files have these sizes. */
  done(sizes: Sizes): void {
    this.write('done', sizes)
  }

  /** Drops an incomplete last line, then rolls back or finishes the last flush as `recover` decided. */
  async settle(recovery: Recovery | undefined): Promise<void> {
    const last = this.entries.at(-1)
    const end = last ? (recovery?.settle === 'rollBack' ? last.start : last.end) : 0
    if (this.bytes > end) await this.truncate(end)
    if (recovery?.settle === 'finish') this.done(recovery.keep)
  }

  /** The log's size: where the next line goes. */
  get size(): number {
    return this.bytes
  }

  /** Cuts the log back to `size` bytes: what a failed or crashed flush left. */
  async truncate(size: number): Promise<void> {
    await this.handle.truncate(size)
    await this.handle.sync()
    this.bytes = size
  }

  /** The lines written so far survive a power cut once this resolves. */
  sync(): Promise<void> {
    return this.handle.sync()
  }

  async close(): Promise<void> {
    await this.handle.close()
  }

  private write(kind: Entry['kind'], sizes: Sizes): void {
    const line = Buffer.from(`${JSON.stringify({[kind]: Object.fromEntries(this.names.map((name) => [name, sizes[name]]))})}\n`, 'utf8')
    this.handle.append(line)
    this.bytes += line.length
  }
}

function parseEntry(file: string, line: string, names: readonly string[], addedLater: readonly string[]): Pick<Entry, 'kind' | 'sizes'> {
  let value: Record<string, unknown>
  try {
    value = JSON.parse(line) as Record<string, unknown>
  } catch (error) {
    throw new StoreCorruptError(`${file}: a line near the end is not valid JSON (${(error as Error).message})`)
  }
  const kind = value && typeof value === 'object' && 'begin' in value ? 'begin' : 'done'
  const sizes = {...(value?.[kind] as Record<string, unknown> | undefined)}
  for (const name of addedLater) sizes[name] ??= 0
  for (const name of names) {
    const size = sizes?.[name]
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new StoreCorruptError(`${file}: a line near the end has no valid size for ${name}`)
  }
  return {kind, sizes: sizes as Sizes}
}
