// The commit log as stores before flush-log.ts wrote it, read once to open such a store; the store's
// first checkpoint then replaces it with a flush log (the migration). A flush appended `{"begin": sizes}`
// with the size each history file would have, synced it, appended to the history files, synced them
// (two sync rounds), then appended `{"done": sizes}`. A crash part-way through leaves a `begin` without
// its `done` and files between the sizes before and after: that flush was never acknowledged and is
// rolled back. A `begin` whose files all reached its sizes is complete, `done` or not. Files shorter or
// longer than the log allows were changed by something else: the store refuses to open, changing nothing.
import type {FileLayer, StoreFile} from './file-layer.js'
import {checkFileSizes, type Sizes} from './flush-log.js'
import {StoreCorruptError} from './store-errors.js'


interface Entry {
  kind: 'begin' | 'done'
  sizes: Sizes
}

/** Lines are short; the last two complete ones are always within this many bytes of the end. */
const TAIL_BYTES = 8192
const NEWLINE = 0x0a

export class LegacyCommitLog {
  private constructor(
    readonly file: string,
    private readonly handle: StoreFile,
    private readonly names: readonly string[],
    /** The last two complete lines, oldest first; empty for a store from before the commit log. */
    private readonly entries: Entry[],
  ) {}

  /** Opens (or creates) the log and reads its last two complete lines; `names` are the files it covers. */
  /** `addedLater`: names lines written before the file existed lack; they count as 0 bytes there. */
  static async open(files: FileLayer, file: string, names: readonly string[], addedLater: readonly string[] = []): Promise<LegacyCommitLog> {
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
        entries.push(parseEntry(file, text, names, addedLater))
      }
      if (entries.length === 0 && start > 0) throw new StoreCorruptError(`${file}: no complete line in its last ${TAIL_BYTES} bytes`)
      return new LegacyCommitLog(file, handle, names, entries)
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  /** False for a store written before the commit log: its files are read whole, then `done` records them. */
  get isEmpty(): boolean {
    return this.entries.length === 0
  }

  /** What the history files, now `sizes` bytes long, keep; throws StoreCorruptError when they were changed. */
  recover(sizes: Sizes, dir: string): Sizes {
    const last = this.entries.at(-1)!
    const before = last.kind === 'done' ? last : this.entries.at(-2)
    if (before?.kind !== 'done') throw new StoreCorruptError(`${this.file}: a flush begins without the state before it`)
    checkFileSizes(this.file, dir, this.names, sizes, before.sizes, last.sizes)
    if (last.kind === 'done') return last.sizes
    const complete = this.names.every((name) => sizes[name] === last.sizes[name])
    return complete ? last.sizes : before.sizes
  }

  async close(): Promise<void> {
    await this.handle.close()
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
