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

/** `color`: whether the stream the table goes to shows colour (IO.colorEnabled). */
export async function renderTable(head: string[], rows: (string | number)[][], color: boolean): Promise<TerminalText> {
  if (rows.length === 0) return new TerminalText('')
  const {default: Table} = await import('cli-table3')
  const table = new Table({
    head,
    style: {head: color ? ['cyan'] : [], border: [], compact: true},
    chars: {top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
      'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  '},
  })
  table.push(...rows.map((row) => row.map((cell) => inert(String(cell)))))
  return new TerminalText(table.toString().split('\n').map((line) => line.trimEnd()).join('\n'))
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

/** "12s", "5m", "3h", "2d" since an ISO time. */
export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-'
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
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
