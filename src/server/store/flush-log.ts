// The flush log (commits.jsonl) makes a flush ONE sync round and all-or-nothing across the history
// files. A flush appends one record to it: a header line `{"flush": sizes after, "crc": crc32}` followed
// by the bytes the flush adds to the history files (each file's lines, in the order of `names`), in one
// write, and fdatasyncs this file alone. Only then do the history files get the same bytes, into the page
// cache; they are synced at the next checkpoint. So after a crash:
// - every acknowledged flush is whole in the log (its sync finished before the answer); whatever of it
//   the history files lost is written again from the log when the store opens (`replay`);
// - a record cut short (header or bytes, or bytes the kernel never wrote back) fails its length or crc
//   check: it was never acknowledged and is dropped with whatever follows it (only one flush is ever
//   in flight, so it is the last);
// - the history files never hold bytes the log does not, because they are written after the record is
//   synced: bytes past the last record, or a file shorter than the checkpoint, were written by something
//   else, and the store refuses to open, changing nothing.
// A checkpoint (when the store is created or closed, after a replay or a migration, and before a flush
// once the log passed a size) syncs the history files, then replaces the log with one line
// `{"checkpoint": sizes}` (temporary file, rename, directory sync), so the log stays short and opening
// reads it whole. A log whose first line is not a checkpoint was written before this design
// (legacy-commit-log.ts): the store reads it that way once, and its first checkpoint migrates it.
import path from 'node:path'
import {crc32} from 'node:zlib'

import {replaceFile, type FileLayer, type StoreFile} from './file-layer.js'
import {StoreCorruptError} from './store-errors.js'

export type Sizes = Readonly<Record<string, number>>

/** A flush the log holds: the sizes it leaves the files at, and what it adds to each (by name). */
export interface LoggedFlush {
  sizes: Sizes
  added: Readonly<Record<string, Buffer>>
}

/** What an open log in this format holds. */
export interface LogContents {
  checkpoint: Sizes
  flushes: LoggedFlush[]
  /** A torn last record was found (and will go with the next checkpoint). */
  tornBytes: number
}

const NEWLINE = 0x0a
const CHECKPOINT_PREFIX = '{"checkpoint":'
/** A header line is short; a longer first line cannot be one. */
const MAX_HEADER_BYTES = 64 * 1024

export class FlushLog {
  private constructor(
    readonly file: string,
    private readonly files: FileLayer,
    private handle: StoreFile,
    private readonly names: readonly string[],
    private bytes: number,
    /** Whether a flush was appended since the checkpoint (a checkpoint without one changes nothing). */
    private flushed: boolean,
  ) {}

  /**
   * Opens the log. `contents` is what it holds, or undefined when it is empty or in the format before
   * this one (the caller reads it with legacy-commit-log.ts, then checkpoints).
   */
  static async open(files: FileLayer, file: string, names: readonly string[]): Promise<{log: FlushLog; contents: LogContents | undefined}> {
    const handle = await files.open(file)
    try {
      const size = await handle.size()
      const head = readAt(handle, 0, Math.min(size, CHECKPOINT_PREFIX.length))
      // Ours when it starts as a checkpoint line does (a shorter file too: a cut one is refused).
      if (size === 0 || !head.toString('utf8').startsWith(CHECKPOINT_PREFIX.slice(0, head.length))) return {log: new FlushLog(file, files, handle, names, size, true), contents: undefined}
      const contents = parse(file, readAt(handle, 0, size), names)
      return {log: new FlushLog(file, files, handle, names, size, contents.flushes.length > 0 || contents.tornBytes > 0), contents}
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  /** The log's size: where the next record goes. */
  get size(): number {
    return this.bytes
  }

  /** Whether the log holds anything past its checkpoint line. */
  get hasFlushes(): boolean {
    return this.flushed
  }

  /** Appends one flush (into the page cache): `added` are the bytes for each name, in the order of `names`. */
  append(sizes: Sizes, added: readonly Buffer[]): void {
    const bytes = Buffer.concat(added)
    const header = Buffer.from(`${JSON.stringify({flush: this.ordered(sizes), crc: crc32(bytes)})}\n`, 'utf8')
    this.handle.append(Buffer.concat([header, bytes]))
    this.bytes += header.length + bytes.length
    this.flushed = true
  }

  /** The records appended so far survive a power cut once this resolves. */
  sync(): Promise<void> {
    return this.handle.sync()
  }

  /** Cuts the log back to `size` bytes: what a failed flush left. */
  async truncate(size: number): Promise<void> {
    await this.handle.truncate(size)
    await this.handle.sync()
    this.bytes = size
  }

  /**
   * Replaces the log with the checkpoint line `sizes`; the caller has synced the history files at those
   * sizes. A crash leaves the old log (its flushes are replayed over what they already wrote) or the new.
   */
  async checkpoint(sizes: Sizes): Promise<void> {
    const line = Buffer.from(`${JSON.stringify({checkpoint: this.ordered(sizes)})}\n`, 'utf8')
    await this.handle.close()
    try {
      await replaceFile(this.files, this.file, line)
    } finally {
      // The old log or the new one, whichever the name now holds: either agrees with the files.
      this.handle = await this.files.open(this.file)
      this.bytes = await this.handle.size()
    }
    this.flushed = this.bytes !== line.length
  }

  async close(): Promise<void> {
    await this.handle.close()
  }

  private ordered(sizes: Sizes): Record<string, number> {
    return Object.fromEntries(this.names.map((name) => [name, sizes[name]]))
  }
}

/**
 * Refuses history files something else changed, naming the file: shorter than `committed` (truncated or
 * replaced) or longer than `accounted` (bytes no flush wrote). `sizes` are the files' sizes now.
 */
export function checkFileSizes(log: string, dir: string, names: readonly string[], sizes: Sizes, committed: Sizes, accounted: Sizes): void {
  for (const name of names) {
    const file = path.join(dir, name)
    if (sizes[name] < committed[name]) {
      throw new StoreCorruptError(`${file} is ${sizes[name]} bytes, shorter than the ${committed[name]} bytes committed to it: it was truncated or replaced`)
    }
    if (sizes[name] > accounted[name]) {
      throw new StoreCorruptError(`${file} is ${sizes[name]} bytes, more than the ${accounted[name]} bytes ${path.basename(log)} accounts for: one of the two was changed or replaced`)
    }
  }
}

function readAt(handle: StoreFile, position: number, length: number): Buffer {
  const bytes = Buffer.alloc(length)
  for (let done = 0; done < length; ) {
    const read = handle.readAt(bytes, done, length - done, position + done)
    if (read === 0) throw new StoreCorruptError(`${handle.path}: shrank while it was read`)
    done += read
  }
  return bytes
}

/** The checkpoint and every whole flush after it; a record that is cut short or fails its crc ends the log. */
function parse(file: string, bytes: Buffer, names: readonly string[]): LogContents {
  const firstEnd = bytes.indexOf(NEWLINE)
  if (firstEnd === -1) throw new StoreCorruptError(`${file}: its checkpoint line is cut short: the file was truncated; nothing was changed`)
  const checkpoint = sizesOf(parseJson(bytes.subarray(0, firstEnd))?.checkpoint, names)
  if (!checkpoint) throw new StoreCorruptError(`${file}: its checkpoint line has no valid size for every history file; nothing was changed`)
  const flushes: LoggedFlush[] = []
  let previous = checkpoint
  let at = firstEnd + 1
  while (at < bytes.length) {
    const flush = parseFlush(file, bytes, at, previous, names)
    if (!flush) break
    flushes.push(flush.flush)
    previous = flush.flush.sizes
    at = flush.end
  }
  return {checkpoint, flushes, tornBytes: bytes.length - at}
}

/** The record at `at`, or undefined when it is cut short or its bytes are not the ones it was written with. */
function parseFlush(file: string, bytes: Buffer, at: number, previous: Sizes, names: readonly string[]): {flush: LoggedFlush; end: number} | undefined {
  const headerEnd = bytes.indexOf(NEWLINE, at)
  if (headerEnd === -1 || headerEnd - at > MAX_HEADER_BYTES) return undefined
  const header = parseJson(bytes.subarray(at, headerEnd))
  const sizes = sizesOf(header?.flush, names)
  if (!sizes || typeof header?.crc !== 'number') return undefined
  const added: Record<string, Buffer> = {}
  let start = headerEnd + 1
  for (const name of names) {
    const length = sizes[name] - previous[name]
    if (length < 0 || start + length > bytes.length) return undefined
    added[name] = bytes.subarray(start, start + length)
    start += length
  }
  if (crc32(bytes.subarray(headerEnd + 1, start)) !== header.crc) return undefined
  return {flush: {sizes, added}, end: start}
}

function parseJson(line: Buffer): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(line.toString('utf8')) as unknown
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

function sizesOf(value: unknown, names: readonly string[]): Sizes | undefined {
  if (!value || typeof value !== 'object') return undefined
  const sizes = value as Record<string, unknown>
  for (const name of names) {
    const size = sizes[name]
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined
  }
  return sizes as Sizes
}
