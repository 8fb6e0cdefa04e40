// Append-only JSON Lines files: the history (job versions, receipts, transactions, blocks). Reading
// streams the file so its size is not limited by the largest string; a line that is not JSON, or a
// last line without its newline (a write cut short), stops the load instead of being skipped — except
// past the committed size, where a flush cut short by a crash may have left whole records and one
// incomplete line (legacy-commit-log.ts: checked, not loaded, then dropped) or bytes that never reached
// the disk (flush-log.ts: not read at all, the flush log's copy is read instead). Every record's place
// in its file is known, so the store can drop records from memory and read them back.
//
// Reading computes the crc32 of what it read, and an appender keeps it up to date as lines are added:
// that is what lets the history index (history-index.ts) prove a file still holds the bytes it was made
// from (`checksum`), so the next load takes the index's entries for those bytes and reads only the rest.
import path from 'node:path'
import {crc32} from 'node:zlib'

import type {FileLayer, StoreFile} from './file-layer.js'
import {StoreCorruptError} from './store-errors.js'

const NEWLINE = 0x0a
/** Large reads, few system calls; one buffer for the whole file. */
const CHECKSUM_CHUNK_BYTES = 1 << 20

/** Where a record's line is in its file (the newline not counted). */
export interface LineAt {
  offset: number
  length: number
}

export interface Uncommitted {
  /** Bytes of the file that were committed; what follows was left by a flush a crash cut short. */
  committedBytes: number
  /** Checks a whole record past the committed bytes (it is not loaded); throws if it is not one. */
  check: (value: unknown) => void
}

/** The file's first `fileBytes` are read, then `then` as if the file held it there (flush-log.ts); the rest of the file is not read. */
export interface Replay {
  fileBytes: number
  then: Buffer
}

/** The crc32 and the number of lines of a file's first `bytes` (what history-index.ts records of each file). */
export interface FileState {
  bytes: number
  lines: number
  crc: number
}

export interface ReadOptions {
  uncommitted?: Uncommitted
  replay?: Replay
  /** Read from the end of the file's first `after.bytes` (loaded from the history index), counting on from its lines and crc. */
  after?: FileState
  /** The first this many lines are located but not parsed: `onUnparsed` gets where each is. */
  unparsedLines?: number
  onUnparsed?: (at: LineAt) => void
}

/**
 * Calls `onRecord` for every line in order; a throw from it names the file and line. With `uncommitted`,
 * lines past the committed bytes go to its `check` instead, and the last of them may be incomplete.
 * Returns the size, line count and crc32 of the file as read (the replayed bytes included).
 */
export async function readJsonLines(files: FileLayer, file: string, onRecord: (value: unknown, at: LineAt) => void, options: ReadOptions = {}): Promise<FileState> {
  const {uncommitted, replay, after, unparsedLines = 0, onUnparsed} = options
  if (after && uncommitted) throw new Error('a store from before the flush log is read from its start')
  const committed = uncommitted?.committedBytes ?? Infinity
  let pending: Buffer[] = []
  let line = after?.lines ?? 0
  let offset = after?.bytes ?? 0
  let crc = after?.crc ?? 0
  const handle = (bytes: Buffer): void => {
    line++
    const at = {offset, length: bytes.length}
    offset += bytes.length + 1
    if (at.offset < committed && offset > committed) throw corrupt(file, line, 'the committed data ends inside this line')
    if (line <= unparsedLines && offset <= committed) return onUnparsed!(at)
    let value: unknown
    try {
      value = JSON.parse(bytes.toString('utf8'))
    } catch (error) {
      throw corrupt(file, line, `not valid JSON (${(error as Error).message})`)
    }
    try {
      if (offset <= committed) onRecord(value, at)
      else uncommitted!.check(value)
    } catch (error) {
      throw error instanceof StoreCorruptError ? error : corrupt(file, line, (error as Error).message)
    }
  }
  const from = offset
  const chunks = replay ? replayed(files.readChunks(file, from), {...replay, fileBytes: replay.fileBytes - from}) : files.readChunks(file, from)
  for await (const chunk of chunks) {
    crc = crc32(chunk, crc)
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
  return {bytes: offset + pending.reduce((sum, bytes) => sum + bytes.length, 0), lines: line, crc}
}

async function* replayed(chunks: AsyncIterable<Buffer>, {fileBytes, then}: Replay): AsyncIterable<Buffer> {
  let left = fileBytes
  for await (const chunk of chunks) {
    if (left <= 0) break
    yield chunk.length <= left ? chunk : chunk.subarray(0, left)
    left -= chunk.length
  }
  if (then.length) yield then
}

export function corrupt(file: string, line: number, reason: string): StoreCorruptError {
  return new StoreCorruptError(`${file}, line ${line}: ${reason}`)
}

/** An open append-only file. Each `append` is one write of whole lines; `read` reads records back. */
export class JsonLinesAppender {
  /** The whole file's crc and line count, once a load has read it all and told (`readWhole`). */
  private whole: Omit<FileState, 'bytes'> | undefined
  /** The same before the last append: what a cut back to that size returns to. */
  private beforeAppend: FileState | undefined

  private constructor(
    readonly file: string,
    private readonly handle: StoreFile,
    private bytes: number,
  ) {}

  static async open(files: FileLayer, file: string): Promise<JsonLinesAppender> {
    // Appends always go to the end, and records can be read back by position.
    const handle = await files.open(file)
    try {
      return new JsonLinesAppender(file, handle, await handle.size())
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  static line(value: unknown): string {
    return `${JSON.stringify(value)}\n`
  }

  /** The file's size: what it had when opened plus what was appended since. */
  get size(): number {
    return this.bytes
  }

  /** The crc32 and line count of the whole file, when known: what the history index records of it. */
  get state(): FileState | undefined {
    return this.whole && {bytes: this.bytes, ...this.whole}
  }

  /** A load read the whole file (as it is now) and found `state`: appends keep it up to date from here. */
  readWhole(state: FileState): void {
    this.whole = state.bytes === this.bytes ? {lines: state.lines, crc: state.crc} : undefined
  }

  append(lines: string | Buffer): void {
    const bytes = typeof lines === 'string' ? Buffer.from(lines, 'utf8') : lines
    this.handle.append(bytes)
    this.beforeAppend = this.state
    if (this.whole) this.whole = {lines: this.whole.lines + countLines(bytes), crc: crc32(bytes, this.whole.crc)}
    this.bytes += bytes.length
  }

  /** The appended bytes survive a power cut once this resolves (a no-op with --fsync off). */
  sync(): Promise<void> {
    return this.handle.sync()
  }

  /**
   * The crc32 of the file's first `bytes` (undefined if it is shorter), read synchronously through one
   * buffer: hundreds of megabytes are checksummed without allocating for them.
   */
  checksum(bytes: number): number | undefined {
    const buffer = Buffer.allocUnsafe(Math.min(bytes, CHECKSUM_CHUNK_BYTES))
    let crc = 0
    for (let done = 0; done < bytes; ) {
      const read = this.handle.readAt(buffer, 0, Math.min(buffer.length, bytes - done), done)
      if (read === 0) return undefined
      crc = crc32(buffer.subarray(0, read), crc)
      done += read
    }
    return crc
  }

  /** The record on the line at `at` (synchronous: from the page cache, microseconds). */
  read(at: LineAt): unknown {
    return this.readLines(at.offset, at.length)[0]
  }

  /** The records on consecutive lines from `first` through `last`, in one read. */
  readRange(first: LineAt, last: LineAt): unknown[] {
    return this.readLines(first.offset, last.offset + last.length - first.offset)
  }

  private readLines(offset: number, length: number): unknown[] {
    const bytes = Buffer.allocUnsafe(length)
    for (let done = 0; done < length; ) {
      const read = this.handle.readAt(bytes, done, length - done, offset + done)
      if (read === 0) throw new StoreCorruptError(`${this.file}: ends before byte ${offset + length}; it was truncated`)
      done += read
    }
    const records: unknown[] = []
    for (let start = 0; start <= length; ) {
      const end = bytes.indexOf(NEWLINE, start)
      const stop = end === -1 ? length : end
      try {
        records.push(JSON.parse(bytes.toString('utf8', start, stop)))
      } catch (error) {
        throw new StoreCorruptError(`${this.file}, byte ${offset + start}: not valid JSON (${(error as Error).message})`)
      }
      start = stop + 1
    }
    return records
  }

  /** Cuts the file back to `size` bytes (only ever what a flush cut short by a crash left). */
  async truncate(size: number): Promise<void> {
    await this.handle.truncate(size)
    await this.handle.sync()
    if (size !== this.bytes) this.whole = this.beforeAppend?.bytes === size ? this.beforeAppend : undefined
    this.bytes = size
  }

  async close(): Promise<void> {
    await this.handle.close()
  }

  get name(): string {
    return path.basename(this.file)
  }
}

function countLines(bytes: Buffer): number {
  let lines = 0
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) lines++
  return lines
}
