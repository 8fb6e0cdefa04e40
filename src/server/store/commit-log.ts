// The commit log makes a flush all-or-nothing across the history files. A flush appends its lines to
// each history file in turn, then one line here with the size every history file has reached; only
// then is the write acknowledged. A crash part-way through a flush leaves bytes past these sizes (a
// receipt without its job, a job without its transaction, a line cut in half): they were never
// acknowledged, so the next open drops them and a SIGKILL at any moment leaves a store that opens.
import {open, type FileHandle} from 'node:fs/promises'

import {appendSync} from './jsonl-file.js'
import {StoreCorruptError} from './store-errors.js'

export type CommittedSizes = Readonly<Record<string, number>>

/** Commit lines are short; the last complete one is always within this many bytes of the end. */
const TAIL_BYTES = 4096

export class CommitLog {
  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    /** Where the last complete line ends; anything after it is a commit line cut short. */
    private readonly validBytes: number,
    private readonly size: number,
    /** The sizes of the last commit; undefined for a store written before the commit log existed. */
    readonly last: CommittedSizes | undefined,
  ) {}

  /** Opens (or creates) the log and reads its last commit; `names` are the history files it must cover. */
  static async open(file: string, names: readonly string[]): Promise<CommitLog> {
    const handle = await open(file, 'a+', 0o600)
    try {
      const {size} = await handle.stat()
      const start = Math.max(0, size - TAIL_BYTES)
      const tail = Buffer.alloc(size - start)
      await handle.read(tail, 0, tail.length, start)
      const end = tail.lastIndexOf(0x0a)
      if (end === -1) {
        if (start > 0) throw new StoreCorruptError(`${file}: no complete line in its last ${TAIL_BYTES} bytes`)
        return new CommitLog(file, handle, 0, size, undefined)
      }
      // (lastIndexOf counts a negative offset from the end, so end 0 is handled apart.)
      const lineStart = end === 0 ? -1 : tail.lastIndexOf(0x0a, end - 1)
      if (lineStart === -1 && start > 0) throw new StoreCorruptError(`${file}: its last line is longer than a commit line can be`)
      const line = tail.subarray(lineStart + 1, end).toString('utf8')
      return new CommitLog(file, handle, start + end + 1, size, parseCommit(file, line, names))
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  /** Records that every history file has reached `sizes`. */
  append(sizes: CommittedSizes): void {
    appendSync(this.handle, `${JSON.stringify(sizes)}\n`)
  }

  /** Cuts off a commit line a crash left incomplete, so the next line starts on a line of its own. */
  async dropIncompleteLine(): Promise<void> {
    if (this.size > this.validBytes) await this.handle.truncate(this.validBytes)
  }

  async close(): Promise<void> {
    await this.handle.close()
  }
}

function parseCommit(file: string, line: string, names: readonly string[]): CommittedSizes {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (error) {
    throw new StoreCorruptError(`${file}, last line: not valid JSON (${(error as Error).message})`)
  }
  const sizes = value as Record<string, unknown>
  for (const name of names) {
    const size = sizes?.[name]
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new StoreCorruptError(`${file}, last line: no valid size for ${name}`)
    }
  }
  return sizes as CommittedSizes
}
