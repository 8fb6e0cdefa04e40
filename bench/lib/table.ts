// The rows of the benchmark table: each a figure measured against a baseline from the same run, with
// the target it must meet. Printed as one table and written as JSON.

export interface Row {
  figure: string
  value: number
  unit: string
  baseline: {name: string; value: number; unit: string}
  /** value / baseline.value. */
  ratio: number
  /** What the row must meet, in words (`ratio >= 0.30, p99 < 25 ms`). */
  target: string
  ok: boolean
  /** Further figures: latency percentiles, memory, sizes. */
  detail?: string
  /** Whether the coordinator under test fsyncs acknowledged writes; absent where no coordinator writes. */
  fsync?: 'on' | 'off'
  /** Network commands: milliseconds from the last byte of output to the exit. */
  exitLagMs?: number
}

/** `meets` decides the row from its ratio (and its value, for absolute targets). */
export function row(fields: Omit<Row, 'ratio' | 'ok'>, meets: (ratio: number, value: number) => boolean): Row {
  const ratio = fields.value / fields.baseline.value
  return {...fields, ratio, ok: Number.isFinite(ratio) && meets(ratio, fields.value)}
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US')
  return value.toPrecision(3)
}

export function renderTable(rows: readonly Row[]): string {
  const header = ['figure', 'measured', 'baseline', 'ratio', 'target', 'fsync', 'ok', 'detail']
  const cells = rows.map((r) => [
    r.figure,
    `${formatNumber(r.value)} ${r.unit}`,
    `${r.baseline.name}: ${formatNumber(r.baseline.value)} ${r.baseline.unit}`,
    r.ratio.toFixed(2),
    r.target,
    r.fsync ?? '-',
    r.ok ? 'yes' : 'NO',
    r.detail ?? '',
  ])
  const widths = header.map((name, i) => Math.max(name.length, ...cells.map((line) => line[i].length)))
  const line = (values: string[]) => `| ${values.map((value, i) => value.padEnd(widths[i])).join(' | ')} |`
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n')
}
