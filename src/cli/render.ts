// Rendering for people: tables (cli-table3, loaded only when a table is printed) and short values.
// Every value shown is made inert first (control characters visible), so widths are measured on what
// the terminal will show.
import {inert} from './inert-text.js'

/** Text already safe for a terminal (made inert, then styled by aitbc itself): printed as it is. */
export class TerminalText {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text
  }
}

/**
 * A table column that may be shortened to fit a terminal: ids and hashes keep their kind or start and
 * their end (`rcpt_…8BV31959`: a ULID's start is its time, shared by neighbours, its end is random),
 * names and free text their start. Columns given as a plain heading are never shortened.
 */
export interface Column {
  head: string
  shorten: 'middle' | 'end'
}

export interface TableOptions {
  /** Whether the stream the table goes to shows colour (IO.colorEnabled). */
  color: boolean
  /** The terminal's columns, to fit the table into; undefined in a pipe or file (values in full). */
  width?: number
}

/** Between two columns, as in gh's tables; no padding around cells. */
const GAP = 2
/** A shortened value keeps at least this many characters (ellipsis included), or its heading's width. */
const MIN_SHORTENED = 9

export async function renderTable(columns: (string | Column)[], rows: (string | number)[][], options: TableOptions): Promise<TerminalText> {
  if (rows.length === 0) return new TerminalText('')
  const specs = columns.map((column) => (typeof column === 'string' ? {head: column, shorten: undefined} : column))
  const cells = rows.map((row) => row.map((cell) => inert(String(cell))))
  const fitted = options.width ? fitToWidth(specs, cells, options.width) : cells
  const {default: Table} = await import('cli-table3')
  const table = new Table({
    head: specs.map((spec) => spec.head),
    style: {head: options.color ? ['cyan'] : [], border: [], compact: true, 'padding-left': 0, 'padding-right': 0},
    chars: {top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
      'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' '.repeat(GAP)},
  })
  table.push(...fitted)
  return new TerminalText(table.toString().split('\n').map((line) => line.trimEnd()).join('\n'))
}

/** Characters as a terminal shows them, near enough: code points (cells are inert, so no escapes). */
function shownWidth(text: string): number {
  return [...text].length
}

/**
 * The cells, with the shortenable columns cut (widest first, an ellipsis where text was taken out)
 * until the table fits `width`. When even the shortest cuts do not fit, the terminal wraps the rest.
 */
function fitToWidth(specs: {head: string; shorten?: 'middle' | 'end'}[], cells: string[][], width: number): string[][] {
  const widths = specs.map((spec, i) => Math.max(shownWidth(spec.head), ...cells.map((row) => shownWidth(row[i]))))
  let excess = widths.reduce((sum, w) => sum + w, 0) + GAP * (specs.length - 1) - width
  const floor = specs.map((spec) => Math.max(shownWidth(spec.head), MIN_SHORTENED))
  while (excess > 0) {
    let widest = -1
    specs.forEach((spec, i) => {
      if (spec.shorten && widths[i] > floor[i] && (widest === -1 || widths[i] > widths[widest])) widest = i
    })
    if (widest === -1) break
    widths[widest]--
    excess--
  }
  return cells.map((row) => row.map((cell, i) => shorten(cell, widths[i], specs[i].shorten)))
}

/** An id's kind (`rcpt_`, `job_`): kept whole when an id is shortened, with the rest from its end. */
const ID_KIND = /^[a-z]+_/

/** What stands for the text a shortened cell lost (an id pasted back with it is refused: id-args.ts). */
export const ELLIPSIS = '…'

function shorten(text: string, width: number, how: 'middle' | 'end' | undefined): string {
  const chars = [...text]
  if (!how || chars.length <= width) return text
  if (how === 'end') return `${chars.slice(0, width - 1).join('')}${ELLIPSIS}`
  const kind = ID_KIND.exec(text)?.[0] ?? ''
  const tail = kind && kind.length + 5 <= width ? width - kind.length - 1 : Math.floor((width - 1) / 2)
  return `${chars.slice(0, width - 1 - tail).join('')}${ELLIPSIS}${chars.slice(chars.length - tail).join('')}`
}

/** "1 block", "3 blocks". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/**
 * "1,234": what toLocaleString('en-US') gives for an integer, without its cost: the first call loads
 * ICU's locale data, some 20 ms of a command's start (most of `jobs get` after its request).
 */
export function groupDigits(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+$)/g, ',')
}

/** "12s", "5m", "3h", "2d" since an ISO time; "-" for none, "?" for one that is not a time. */
export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-'
  const then = Date.parse(iso)
  if (Number.isNaN(then)) return '?'
  const seconds = Math.max(0, Math.round((now - then) / 1000))
  if (seconds < 60) return `${seconds}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`
  return `${Math.floor(seconds / 86_400)}d`
}

/** One line of a key/value block, for `get` commands. */
export function fields(entries: [string, string | number | undefined | null][]): string {
  const width = Math.max(...entries.map(([key]) => key.length))
  return entries
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([key, value]) => `${key.padEnd(width)}  ${inert(String(value))}`)
    .join('\n')
}
