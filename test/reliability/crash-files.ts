// A FileLayer in memory that knows what a power cut would keep, after LazyFS and SQLite's crash tests:
// every file (inode) has the bytes synced so far and the writes and truncations since; every directory
// has the names synced so far and the names now. `crashImage` says what a crash right now leaves: the
// synced names with their synced bytes, plus (in the torn variant) some of the writes since, the last
// one cut at a random byte; in the `zeroed` variant the same, but the last write kept reads as zeros (the
// file's size reached the disk, its data did not); in the `kept` variant everything (a process killed,
// the page cache intact).
import path from 'node:path'

import type {Ed25519Signer} from '../../src/protocol/ed25519.js'
import {Ledger} from '../../src/server/ledger/ledger.js'
import type {FileLayer, StoreFile} from '../../src/server/store/file-layer.js'
import {LowdbStore} from '../../src/server/store/lowdb-store.js'

type Pending = {kind: 'append'; bytes: Buffer} | {kind: 'truncate'; size: number}

class Inode {
  /** What a crash keeps for sure. */
  durable: Buffer = Buffer.alloc(0)
  pending: Pending[] = []
  data: Buffer = Buffer.alloc(0)

  sync(): void {
    this.durable = this.data
    this.pending = []
  }
}

export type CrashVariant = 'lost' | 'torn' | 'zeroed' | 'kept'

/** A crash image: the files and their bytes a crash left. */
export type Image = Map<string, Buffer>

export interface Op {
  kind: 'open' | 'append' | 'truncate' | 'sync' | 'syncDir' | 'unlink' | 'rename'
  file: string
}

export class CrashFiles implements FileLayer {
  private names = new Map<string, Inode>()
  private durableNames = new Map<string, Inode>()
  /** Every operation so far, in order. */
  readonly ops: Op[] = []
  /** Called after every operation that changes what is or will be on disk. */
  onOp: (op: Op) => void = () => undefined

  /** `honourSync` false: syncs do nothing (what `--fsync off` amounts to); a function: only for the files it accepts. */
  constructor(
    image: Image = new Map(),
    private readonly honourSync: boolean | ((file: string) => boolean) = true,
  ) {
    for (const [file, bytes] of image) {
      const inode = new Inode()
      inode.data = inode.durable = bytes
      this.names.set(file, inode)
      this.durableNames.set(file, inode)
    }
  }

  async open(file: string, create: 'new' | 'maybe' = 'maybe'): Promise<StoreFile> {
    let inode = this.names.get(file)
    if (inode && create === 'new') throw Object.assign(new Error(`EEXIST: ${file}`), {code: 'EEXIST', syscall: 'open'})
    if (!inode) {
      inode = new Inode()
      this.names.set(file, inode)
      this.record('open', file)
    }
    return new CrashFile(file, inode, this)
  }

  async *readChunks(file: string, start = 0): AsyncIterable<Buffer> {
    const data = this.inode(file).data
    // Small chunks, so lines cross chunk boundaries as they do on disk.
    for (let at = start; at < data.length; at += 4096) yield data.subarray(at, at + 4096)
  }

  async readFile(file: string): Promise<Buffer> {
    return this.inode(file).data
  }

  async exists(file: string): Promise<boolean> {
    return this.names.has(file)
  }

  async unlink(file: string): Promise<boolean> {
    if (!this.names.delete(file)) return false
    this.record('unlink', file)
    return true
  }

  async rename(from: string, to: string): Promise<void> {
    this.names.set(to, this.inode(from))
    this.names.delete(from)
    this.record('rename', to)
  }

  async syncDir(dir: string): Promise<void> {
    if (!this.honours(dir)) return
    for (const [file] of this.durableNames) if (path.dirname(file) === dir && !this.names.has(file)) this.durableNames.delete(file)
    for (const [file, inode] of this.names) if (path.dirname(file) === dir) this.durableNames.set(file, inode)
    this.record('syncDir', dir)
  }

  /** What a crash now would leave; `random` decides how much of the unsynced writes a torn crash keeps. */
  crashImage(variant: CrashVariant, random: () => number = Math.random): Image {
    if (variant === 'kept') return new Map([...this.names].map(([file, inode]) => [file, inode.data]))
    const image: Image = new Map()
    for (const [file, inode] of this.durableNames) image.set(file, variant === 'lost' ? inode.durable : torn(inode, random, variant === 'zeroed'))
    return image
  }

  record(kind: Op['kind'], file: string): void {
    const op = {kind, file}
    this.ops.push(op)
    this.onOp(op)
  }

  syncInode(inode: Inode, file: string): void {
    if (!this.honours(file)) return
    inode.sync()
    this.record('sync', file)
  }

  private honours(file: string): boolean {
    return typeof this.honourSync === 'function' ? this.honourSync(file) : this.honourSync
  }

  private inode(file: string): Inode {
    const inode = this.names.get(file)
    if (!inode) throw Object.assign(new Error(`ENOENT: ${file}`), {code: 'ENOENT', syscall: 'open'})
    return inode
  }
}

/** The synced bytes plus the first few writes since, the last of them cut short (or, `zeroed`, all zeros). */
function torn(inode: Inode, random: () => number, zeroed: boolean): Buffer {
  const keep = Math.floor(random() * (inode.pending.length + 1))
  let data = inode.durable
  inode.pending.slice(0, keep).forEach((change, i) => {
    if (change.kind === 'truncate') data = data.subarray(0, change.size)
    else {
      const last = i === keep - 1
      const cut = last && !zeroed ? Math.floor(random() * change.bytes.length) : change.bytes.length
      data = Buffer.concat([data, last && zeroed ? Buffer.alloc(cut) : change.bytes.subarray(0, cut)])
    }
  })
  return data
}

class CrashFile implements StoreFile {
  constructor(
    readonly path: string,
    private readonly inode: Inode,
    private readonly files: CrashFiles,
  ) {}

  async size(): Promise<number> {
    return this.inode.data.length
  }

  append(bytes: Buffer): void {
    const copy = Buffer.from(bytes)
    this.inode.data = Buffer.concat([this.inode.data, copy])
    this.inode.pending.push({kind: 'append', bytes: copy})
    this.files.record('append', this.path)
  }

  readAt(buffer: Buffer, offset: number, length: number, position: number): number {
    return this.inode.data.copy(buffer, offset, position, Math.min(position + length, this.inode.data.length))
  }

  async truncate(size: number): Promise<void> {
    this.inode.data = this.inode.data.subarray(0, size)
    this.inode.pending.push({kind: 'truncate', size})
    this.files.record('truncate', this.path)
  }

  async sync(): Promise<void> {
    this.files.syncInode(this.inode, this.path)
  }

  async close(): Promise<void> {}
}

/** The creation time of every store the crash tests make, so that their images are the same each run. */
export const CRASH_STORE_CREATED_AT = '2026-01-01T00:00:00.000Z'

/**
 * A new store in `dir` over CrashFiles, its genesis block sealed by `signer` (after `setup`, for what the
 * test needs there from the start), closed: the image a crash test's runs start from.
 */
export async function newStoreImage(dir: string, signer: Ed25519Signer, setup: (store: LowdbStore) => void = () => undefined): Promise<Image> {
  const files = new CrashFiles()
  const store = await LowdbStore.create(dir, {format: 1, created_at: CRASH_STORE_CREATED_AT, signing_key_id: signer.keyId}, {files})
  setup(store)
  new Ledger(store, signer).sealGenesis(new Date(CRASH_STORE_CREATED_AT))
  await store.close()
  return files.crashImage('kept')
}
