// Everything the store does to files goes through a FileLayer: the real one below, or one that records
// every write and sync so a test can "crash" the store at any point and keep only what was synced
// (test/reliability/crash-files.ts). Files are opened so that a symlink is never followed (O_NOFOLLOW)
// and a temporary file is only ever created new (O_EXCL): a link someone planted makes the open fail
// instead of redirecting the write.
import {constants, readSync, writeSync} from 'node:fs'
import {lstat, open, rename, unlink, type FileHandle} from 'node:fs/promises'
import path from 'node:path'

const {O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_RDWR} = constants
/** Large reads: each chunk of the stream is a round trip through the thread pool. */
const READ_CHUNK_BYTES = 1 << 20

/** An open append-only file. */
export interface StoreFile {
  readonly path: string
  size(): Promise<number>
  /** Appends at the end, synchronously (into the page cache: microseconds). */
  append(bytes: Buffer): void
  /** Reads synchronously into `buffer`; returns the bytes read (0 at the end). */
  readAt(buffer: Buffer, offset: number, length: number, position: number): number
  truncate(size: number): Promise<void>
  /** fdatasync: the bytes written so far survive a power cut. */
  sync(): Promise<void>
  close(): Promise<void>
}

export interface FileLayer {
  /** Opens `file` for appending and reading; `create`: 'new' fails if it exists, 'maybe' creates it if missing. */
  open(file: string, create?: 'new' | 'maybe'): Promise<StoreFile>
  /** The file's bytes from `start` (default 0) to its end. */
  readChunks(file: string, start?: number): AsyncIterable<Buffer>
  readFile(file: string): Promise<Buffer>
  /** Whether a name exists (a symlink counts: opening it will fail). */
  exists(file: string): Promise<boolean>
  /** Removes a name (a symlink itself, never what it points to); false when there was none. */
  unlink(file: string): Promise<boolean>
  rename(from: string, to: string): Promise<void>
  /** fsync of a directory: the files created or renamed in it so far survive a power cut. */
  syncDir(dir: string): Promise<void>
}

/** The name of the temporary file `replace` writes first (the name lowdb used, so old leftovers are met). */
export function temporaryName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp`)
}

/**
 * Replaces `file` with `bytes` so that a crash leaves the old or the new version, never a mix: a
 * temporary file created new (a leftover or planted one is removed first, never written through),
 * synced, renamed over `file`, then the directory synced so the rename itself is durable.
 */
export async function replaceFile(files: FileLayer, file: string, bytes: Buffer): Promise<void> {
  const temporary = temporaryName(file)
  await files.unlink(temporary)
  const handle = await files.open(temporary, 'new')
  try {
    handle.append(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await files.rename(temporary, file)
  await files.syncDir(path.dirname(file))
}

/** The operating system's files. With `fsync` false, syncs are skipped: a power cut may lose acknowledged writes. */
export class NodeFileLayer implements FileLayer {
  constructor(private readonly fsync = true) {}

  async open(file: string, create: 'new' | 'maybe' = 'maybe'): Promise<StoreFile> {
    const flags = O_RDWR | O_APPEND | O_NOFOLLOW | (create === 'new' ? O_CREAT | O_EXCL : O_CREAT)
    return new NodeStoreFile(file, await open(file, flags, 0o600), this.fsync)
  }

  async *readChunks(file: string, start = 0): AsyncIterable<Buffer> {
    const handle = await open(file, O_RDONLY | O_NOFOLLOW)
    try {
      yield* handle.createReadStream({start, highWaterMark: READ_CHUNK_BYTES, autoClose: false}) as AsyncIterable<Buffer>
    } finally {
      await handle.close()
    }
  }

  async readFile(file: string): Promise<Buffer> {
    const handle = await open(file, O_RDONLY | O_NOFOLLOW)
    try {
      return await handle.readFile()
    } finally {
      await handle.close()
    }
  }

  async exists(file: string): Promise<boolean> {
    try {
      await lstat(file)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
  }

  async unlink(file: string): Promise<boolean> {
    try {
      await unlink(file)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
  }

  rename(from: string, to: string): Promise<void> {
    return rename(from, to)
  }

  async syncDir(dir: string): Promise<void> {
    if (!this.fsync) return
    const handle = await open(dir, O_RDONLY | O_DIRECTORY)
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  }
}

class NodeStoreFile implements StoreFile {
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly fsync: boolean,
  ) {}

  async size(): Promise<number> {
    return (await this.handle.stat()).size
  }

  append(bytes: Buffer): void {
    for (let done = 0; done < bytes.length; ) done += writeSync(this.handle.fd, bytes, done, bytes.length - done)
  }

  readAt(buffer: Buffer, offset: number, length: number, position: number): number {
    return readSync(this.handle.fd, buffer, offset, length, position)
  }

  truncate(size: number): Promise<void> {
    return this.handle.truncate(size)
  }

  async sync(): Promise<void> {
    if (this.fsync) await this.handle.datasync()
  }

  close(): Promise<void> {
    return this.handle.close()
  }
}
