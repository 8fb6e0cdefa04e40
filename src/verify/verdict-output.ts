// How verdicts are written: a line per receipt for people, a JSON line per receipt under --json, then
// a summary. Stdout is written in large chunks: 100,000 receipts are 100,000 lines.
import type {Writable} from 'node:stream'

import type {ReceiptVerdict, VerifySummary} from './verdict.js'

export interface LineStyle {
  /** Colours a word for a terminal (the CLI's IO.paint); plain text by default. */
  paint: (text: string, style: 'green' | 'red') => string
  /**
   * Makes a field from elsewhere (a file name, a receipt's id, key ids, the reason's detail) safe to
   * show on one line (the CLI's inertField); as it is by default.
   */
  field: (text: string) => string
}

const PLAIN: LineStyle = {paint: (text) => text, field: (text) => text}

/** One line per receipt for people: every field made inert first, then the verdict word painted. */
export function verdictLine(source: string, verdict: ReceiptVerdict, style: Partial<LineStyle> = {}): string {
  const {paint, field} = {...PLAIN, ...style}
  const id = field(verdict.receipt_id ?? '-')
  if (verdict.ok) return `${paint('ok', 'green')}      ${id}  ${field(source)}${verdict.attested_by ? `  ${signers(verdict, field)}` : ''}`
  return `${paint('FAILED', 'red')}  ${id}  ${field(source)}  ${verdict.reason}: ${field(verdict.detail ?? '')}`
}

/** Who vouches for an upstream receipt with attestations: `signed by K1, attested by K2 (pinned)`. */
function signers(verdict: ReceiptVerdict, field: (text: string) => string): string {
  const name = (keyId: string) => field(verdict.trusted_by?.includes(keyId) ? `${keyId} (pinned)` : keyId)
  const attesters = verdict.attested_by?.length ? verdict.attested_by.map(name).join(', ') : 'no one'
  return `signed by ${name(verdict.key_id ?? '?')}, attested by ${attesters}`
}

export function verdictRecord(source: string, verdict: ReceiptVerdict): Record<string, unknown> {
  return {type: 'receipt', source, ...verdict}
}

export function summaryLine(summary: VerifySummary): string {
  const reasons = Object.entries(summary.reasons).map(([reason, count]) => `${reason} ${count}`)
  const noun = summary.total === 1 ? 'receipt' : 'receipts'
  return `${summary.total} ${noun}: ${summary.ok} ok, ${summary.failed} failed${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`
}

export function summaryRecord(summary: VerifySummary): Record<string, unknown> {
  return {type: 'summary', ...summary}
}

const CHUNK = 16 * 1024

/** Collects stdout text and writes it in chunks of about 16 KiB (small, so little stays alive between collections). */
export class StdoutBuffer {
  private text = ''

  constructor(private readonly stdout: Writable) {}

  write(line: string): void {
    this.text += `${line}\n`
    if (this.text.length >= CHUNK) this.flush()
  }

  flush(): void {
    if (this.text === '') return
    this.stdout.write(this.text)
    this.text = ''
  }
}
