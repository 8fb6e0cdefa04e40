// Where receipts come from: files holding one receipt, a JSON array or JSON Lines, directories of
// such files, stdin (`-`), and receipt ids fetched from the coordinator. JSON Lines are read line by
// line, so a file of any size is verified in constant memory; each receipt is handed on as its own
// JSON text (the Python form needs numbers exactly as written).
import {createReadStream} from 'node:fs'
import {readdir, stat} from 'node:fs/promises'
import path from 'node:path'
import type {Readable} from 'node:stream'

export interface ReceiptText {
  /** Where it came from, for people: `file.jsonl:12`, `file.json[3]`, `stdin:4`, `coordinator:rcpt_…`. */
  source: string
  text: string
}

export type Target =
  | {kind: 'stdin'}
  | {kind: 'file'; path: string}
  | {kind: 'directory'; path: string}
  | {kind: 'receipt-id'; id: string}

/** A target that cannot be read (exit 1), as opposed to a receipt that does not verify (exit 10). */
export class TargetError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TargetError'
  }
}

/** Files a directory target contributes, by extension. */
export const RECEIPT_FILE_EXTENSIONS = ['.json', '.jsonl', '.ndjson']

const RECEIPT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/

/**
 * What each argument names: `-` is stdin, an existing path is a file or directory, and anything else
 * that looks like an id (no slash, no .json/.jsonl ending) is a receipt id on the coordinator.
 */
export async function resolveTargets(args: readonly string[]): Promise<Target[]> {
  return Promise.all(args.map(resolveTarget))
}

async function resolveTarget(arg: string): Promise<Target> {
  if (arg === '-') return {kind: 'stdin'}
  try {
    const info = await stat(arg)
    if (info.isDirectory()) return {kind: 'directory', path: arg}
    return {kind: 'file', path: arg}
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const looksLikeFile = RECEIPT_FILE_EXTENSIONS.includes(path.extname(arg).toLowerCase())
    if (code === 'ENOENT' && RECEIPT_ID.test(arg) && !looksLikeFile) return {kind: 'receipt-id', id: arg}
    throw new TargetError(`cannot read ${arg}: ${describeIoError(error)}`)
  }
}

export function hasNetworkTarget(targets: readonly Target[]): boolean {
  return targets.some((target) => target.kind === 'receipt-id')
}

export interface SourceOptions {
  /** Fetches one receipt's JSON text; only called for receipt-id targets. */
  fetchReceipt?: (id: string) => Promise<string>
  stdin?: Readable
}

/** Receipts in input order, in batches (a batch per chunk read), so a large file costs few awaits. */
export async function* receiptTexts(targets: readonly Target[], options: SourceOptions = {}): AsyncGenerator<ReceiptText[]> {
  for (const target of targets) {
    switch (target.kind) {
      case 'stdin':
        yield* receiptsInStream(options.stdin ?? process.stdin, 'stdin')
        break
      case 'file':
        yield* receiptsInFile(target.path)
        break
      case 'directory':
        for (const file of await receiptFiles(target.path)) yield* receiptsInFile(file)
        break
      case 'receipt-id': {
        if (!options.fetchReceipt) throw new TargetError(`cannot fetch receipt ${target.id}: no coordinator connection`)
        yield [{source: `coordinator:${target.id}`, text: await options.fetchReceipt(target.id)}]
        break
      }
    }
  }
}

async function receiptFiles(directory: string): Promise<string[]> {
  try {
    const entries = await readdir(directory, {withFileTypes: true})
    return entries
      .filter((entry) => entry.isFile() && !entry.name.startsWith('.') && RECEIPT_FILE_EXTENSIONS.includes(path.extname(entry.name).toLowerCase()))
      .map((entry) => path.join(directory, entry.name))
      .sort()
  } catch (error) {
    throw new TargetError(`cannot read directory ${directory}: ${describeIoError(error)}`)
  }
}

async function* receiptsInFile(file: string): AsyncGenerator<ReceiptText[]> {
  const stream = createReadStream(file, {highWaterMark: CHUNK_SIZE})
  try {
    yield* receiptsInStream(stream, file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code) throw new TargetError(`cannot read ${file}: ${describeIoError(error)}`)
    throw error
  } finally {
    stream.destroy()
  }
}

/**
 * Small reads on purpose: each line becomes its own string and little stays alive between garbage
 * collections, so memory does not grow with the number of receipts.
 */
const CHUNK_SIZE = 16 * 1024

/**
 * JSON Lines unless the first line is an array or not a JSON value by itself: then the whole text is
 * a document (pretty-printed JSON, see receiptsInDocument), held in memory. JSON Lines are not.
 */
async function* receiptsInStream(stream: Readable, name: string): AsyncGenerator<ReceiptText[]> {
  // One iterator throughout: leaving a for-await loop early would close the line reader.
  const batches = readLines(stream)
  let lineNo = 0
  let pending: string[] = []
  let first: string | undefined
  while (first === undefined) {
    const next = await batches.next()
    if (next.done) return
    pending = next.value
    while (pending.length > 0 && first === undefined) {
      const line = pending.shift() as string
      lineNo++
      if (line.trim() !== '') first = line
    }
  }
  const start = first.trimStart()[0]
  if (start === '[' || (start === '{' && !parsesAlone(first))) {
    const all = [first, ...pending]
    for await (const batch of batches) all.push(...batch)
    yield* receiptsInDocument(all, name, lineNo)
    return
  }
  const toReceipts = (lines: string[]): ReceiptText[] => {
    const receipts: ReceiptText[] = []
    for (const line of lines) {
      lineNo++
      if (line.trim() !== '') receipts.push({source: `${name}:${lineNo}`, text: line})
    }
    return receipts
  }
  lineNo--
  yield toReceipts([first, ...pending])
  for await (const batch of batches) yield toReceipts(batch)
}

/**
 * A document: one receipt, an array of receipts, or several of those one after another (as a loop of
 * `aitbc receipts get ID --json` prints them). A document that breaks off (a truncated file) is one
 * malformed entry naming its lines (`file.json:1-14`), not one per line; text whose other lines are
 * JSON values by themselves is JSON Lines with a broken line, read as lines after all, so each broken
 * line is reported on its own.
 */
async function* receiptsInDocument(lines: string[], name: string, firstLineNo: number): AsyncGenerator<ReceiptText[]> {
  const text = lines.join('\n')
  const {values, brokenFrom} = topLevelValues(text)
  if (brokenFrom !== undefined && lines.slice(1).some((line) => line.trim() !== '' && parsesAlone(line))) {
    yield lines.flatMap((line, i) => (line.trim() === '' ? [] : [{source: `${name}:${firstLineNo + i}`, text: line}]))
    return
  }
  const {parse, stringify} = await import('lossless-json')
  const receipts: ReceiptText[] = []
  const whole = values.length === 1 && brokenFrom === undefined
  for (const {start, end} of values) {
    const valueText = text.slice(start, end)
    const where = whole ? name : `${name}:${firstLineNo + countNewlines(text, start)}`
    let elements: unknown
    try {
      elements = valueText.startsWith('[') ? parse(valueText) : undefined
    } catch {
      // Reported as a malformed receipt below.
    }
    if (!Array.isArray(elements)) {
      receipts.push({source: where, text: valueText})
      continue
    }
    // Each element again as its own text; lossless-json writes every number as it was read.
    elements.forEach((element, i) => receipts.push({source: `${where}[${i}]`, text: stringify(element) ?? 'null'}))
  }
  if (brokenFrom !== undefined) {
    const broken = text.slice(brokenFrom).trimEnd()
    const first = firstLineNo + countNewlines(text, brokenFrom)
    const last = first + countNewlines(broken, broken.length)
    receipts.push({source: first === last ? `${name}:${first}` : `${name}:${first}-${last}`, text: broken})
  }
  yield receipts
}

const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Where each top-level object or array starts and ends, with whitespace between them; strings are
 * skipped whole, so brackets inside them do not count. `brokenFrom` is where the text stops being such
 * values: the start of a value that never closes (a truncated file) or of text outside any value.
 * JSON.parse judges each value afterwards.
 */
function topLevelValues(text: string): {values: {start: number; end: number}[]; brokenFrom?: number} {
  const values: {start: number; end: number}[] = []
  let depth = 0
  let start = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) {
      if (depth === 0) return {values, brokenFrom: i}
      inString = true
    } else if (c === 0x7b || c === 0x5b) {
      if (depth++ === 0) start = i
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) return {values, brokenFrom: i}
      if (--depth === 0) values.push({start, end: i + 1})
    } else if (depth === 0 && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      return {values, brokenFrom: i}
    }
  }
  return depth === 0 && !inString ? {values} : {values, brokenFrom: start}
}

function countNewlines(text: string, end: number): number {
  let count = 0
  for (let at = text.indexOf('\n'); at !== -1 && at < end; at = text.indexOf('\n', at + 1)) count++
  return count
}

function parsesAlone(line: string): boolean {
  try {
    JSON.parse(line)
    return true
  } catch {
    return false
  }
}

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d
const BOM = Buffer.from([0xef, 0xbb, 0xbf])

/** The lines of a UTF-8 byte stream, a batch per chunk, without `\n` or `\r\n` and without a leading BOM. */
async function* readLines(stream: Readable): AsyncGenerator<string[]> {
  let partial: Buffer[] = []
  let first = true
  for await (const read of stream as AsyncIterable<Buffer | string>) {
    let chunk = typeof read === 'string' ? Buffer.from(read) : read
    if (first) {
      if (chunk.subarray(0, 3).equals(BOM)) chunk = chunk.subarray(3)
      first = false
    }
    const lines: string[] = []
    let start = 0
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, end)
      const bytes = partial.length === 0 ? piece : Buffer.concat([...partial, piece])
      partial = []
      const cut = bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length
      lines.push(bytes.toString('utf8', 0, cut))
      start = end + 1
    }
    if (start < chunk.length) partial.push(chunk.subarray(start))
    if (lines.length > 0) yield lines
  }
  if (partial.length > 0) yield [Buffer.concat(partial).toString('utf8')]
}

function describeIoError(error: unknown): string {
  const {code, message} = error as NodeJS.ErrnoException
  if (code === 'ENOENT') return 'no such file or directory'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'is a directory'
  return message
}
