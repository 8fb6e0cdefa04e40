// Append-only JSON Lines files: the history (job versions, receipts, transactions, blocks). Reading
// streams the file so its size is not limited by the largest string; a line that is not JSON, or a
// last line without its newline (a write cut short), stops the load instead of being skipped.
import {createReadStream} from 'node:fs'
import {open, type FileHandle} from 'node:fs/promises'
import path from 'node:path'

import {StoreCorruptError} from './store-errors.js'

const NEWLINE = 0x0a

/** Calls `onRecord` for every line in order; a throw from it names the file and line. */
export async function readJsonLines(file: string, onRecord: (value: unknown, line: number) => void): Promise<void> {
  let pending: Buffer[] = []
  let line = 0
  const handle = (bytes: Buffer): void => {
    line++
    let value: unknown
    try {
      value = JSON.parse(bytes.toString('utf8'))
    } catch (error) {
      throw corrupt(file, line, `not valid JSON (${(error as Error).message})`)
    }
    try {
      onRecord(value, line)
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
  if (pending.length) {
    throw corrupt(file, line + 1, 'the last line is incomplete (a write was cut short); the file was not changed')
  }
}

export function corrupt(file: string, line: number, reason: string): StoreCorruptError {
  return new StoreCorruptError(`${file}, line ${line}: ${reason}`)
}

/** An open append-only file. Each `append` is one write of whole lines. */
export class JsonLinesAppender {
  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
  ) {}

  static async open(file: string): Promise<JsonLinesAppender> {
    return new JsonLinesAppender(file, await open(file, 'a', 0o600))
  }

  static line(value: unknown): string {
    return `${JSON.stringify(value)}\n`
  }

  async append(lines: string): Promise<void> {
    await this.handle.appendFile(lines, 'utf8')
  }

  async close(): Promise<void> {
    await this.handle.close()
  }

  get name(): string {
    return path.basename(this.file)
  }
}
