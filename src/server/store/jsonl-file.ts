// Append-only JSON Lines files: the history (job versions, receipts, transactions, blocks). Reading
// streams the file so its size is not limited by the largest string; a line that is not JSON, or a
// last line without its newline (a write cut short), stops the load instead of being skipped — except
// past the committed size (see commit-log.ts), where a flush cut short by a crash may have left whole
// records and one incomplete line: those are checked, not loaded, and the caller drops them.
import {createReadStream, writeSync} from 'node:fs'
import {open, type FileHandle} from 'node:fs/promises'
import path from 'node:path'

import {StoreCorruptError} from './store-errors.js'

const NEWLINE = 0x0a

export interface Uncommitted {
  /** Bytes of the file that were committed; what follows was left by a flush a crash cut short. */
  committedBytes: number
  /** Checks a whole record past the committed bytes (it is not loaded); throws if it is not one. */
  check: (value: unknown) => void
}

/**
 * Calls `onRecord` for every line in order; a throw from it names the file and line. With `uncommitted`,
 * lines past the committed bytes go to its `check` instead, and the last of them may be incomplete.
 */
export async function readJsonLines(file: string, onRecord: (value: unknown, line: number) => void, uncommitted?: Uncommitted): Promise<void> {
  const committed = uncommitted?.committedBytes ?? Infinity
  let pending: Buffer[] = []
  let line = 0
  let offset = 0
  const handle = (bytes: Buffer): void => {
    line++
    const lineStart = offset
    offset += bytes.length + 1
    if (lineStart < committed && offset > committed) throw corrupt(file, line, 'the committed data ends inside this line')
    let value: unknown
    try {
      value = JSON.parse(bytes.toString('utf8'))
    } catch (error) {
      throw corrupt(file, line, `not valid JSON (${(error as Error).message})`)
    }
    try {
      if (offset <= committed) onRecord(value, line)
      else uncommitted!.check(value)
    } catch (error) {
      throw error instanceof StoreCorruptError ? error : corrupt(file, line, (error as Error).message)
    }
  }
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, start)) {
      pending.push(chunk.subarray(start, at))
      handle(pending.length === 1 ? pending[0] : Buffer.concat(pending))
      pending = []
      start = at + 1
    }
    if (start < chunk.length) pending.push(chunk.subarray(start))
  }
  if (pending.length && offset < committed) {
    throw corrupt(file, line + 1, 'the last line is incomplete (a write was cut short); the file was not changed')
  }
}

/**
 * Appends to an open file synchronously, and returns the bytes written. A write into the page cache
 * takes microseconds, less than a round trip through the thread pool, while every request of the
 * flush waits for it anyway: an async write only left the event loop idle.
 */
export function appendSync(handle: FileHandle, text: string | Buffer): number {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text
  for (let done = 0; done < bytes.length; ) done += writeSync(handle.fd, bytes, done, bytes.length - done)
  return bytes.length
}

export function corrupt(file: string, line: number, reason: string): StoreCorruptError {
  return new StoreCorruptError(`${file}, line ${line}: ${reason}`)
}

/** An open append-only file. Each `append` is one write of whole lines. */
export class JsonLinesAppender {
  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    private bytes: number,
  ) {}

  static async open(file: string): Promise<JsonLinesAppender> {
    const handle = await open(file, 'a', 0o600)
    return new JsonLinesAppender(file, handle, (await handle.stat()).size)
  }

  static line(value: unknown): string {
    return `${JSON.stringify(value)}\n`
  }

  /** The file's size: what it had when opened plus what was appended since. */
  get size(): number {
    return this.bytes
  }

  append(lines: string | Buffer): void {
    this.bytes += appendSync(this.handle, lines)
  }

  /** Cuts the file back to `size` bytes (only ever what a flush cut short by a crash left). */
  async truncate(size: number): Promise<void> {
    await this.handle.truncate(size)
    this.bytes = size
  }

  async close(): Promise<void> {
    await this.handle.close()
  }

  get name(): string {
    return path.basename(this.file)
  }
}
