// The table of the README's Performance section, generated from the newest full run in
// bench/results/latest.json. `npm run bench` rewrites it after a full run; `npm run bench:readme`
// does it from the file alone; test/bench/readme-table.test.ts checks the README matches the file.
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {packageFile} from '../src/server/package-root.js'
import {newestFullRun, readRuns, type BenchRun} from './lib/results.js'
import {formatNumber, type Row} from './lib/table.js'

const ROOT = packageFile('.')
export const README = path.join(ROOT, 'README.md')
export const RESULTS = path.join(ROOT, 'bench', 'results', 'latest.json')
export const START = '<!-- bench-table: generated from bench/results/latest.json by `npm run bench:readme`; do not edit -->'
export const END = '<!-- /bench-table -->'

/** The lines between the markers: where and when, then one row per figure. */
export function renderSection(run: BenchRun): string {
  const load = (loads: number[] | undefined) => (loads ? loads.map((l) => l.toFixed(2)).join(', ') : 'not recorded')
  const {machine} = run
  const where =
    `Measured ${run.date.slice(0, 16).replace('T', ' ')} UTC on ${machine.cpus} × ${machine.cpuModel ?? 'unknown CPU'}, Node ${machine.node.replace(/^v/, '')}; ` +
    `load average (1, 5, 15 min) ${load(machine.loadAverageAtStart)} at the start, ${load(machine.loadAverage)} at the end.`
  const cell = (text: string) => text.replaceAll('|', '\\|')
  const lines = [
    where,
    '',
    '| figure | measured | baseline (same run) | ratio | target | fsync | met |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...run.rows.map((r: Row) =>
      [
        r.figure,
        `${formatNumber(r.value)} ${r.unit}`,
        `${r.baseline.name}: ${formatNumber(r.baseline.value)} ${r.baseline.unit}`,
        r.ratio.toFixed(r.ratio < 0.1 ? 3 : 2),
        r.target,
        r.fsync ?? '-',
        r.ok ? 'yes' : '**no**',
      ]
        .map(cell)
        .join(' | ')
        .replace(/^/, '| ')
        .replace(/$/, ' |'),
    ),
  ]
  return lines.join('\n')
}

/** `readme` with the text between the markers replaced by `section`. */
export function withSection(readme: string, section: string): string {
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start === -1 || end < start) throw new Error(`README.md has no generated bench table (the lines ${START} and ${END})`)
  return `${readme.slice(0, start + START.length)}\n${section}\n${readme.slice(end)}`
}

/** The section as the README has it now. */
export function currentSection(readme: string): string | undefined {
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  return start === -1 || end < start ? undefined : readme.slice(start + START.length, end).replace(/^\n/, '').replace(/\n$/, '')
}

export async function updateReadme(results = RESULTS, readme = README): Promise<BenchRun> {
  const run = newestFullRun(await readRuns(results))
  if (!run) throw new Error(`${path.relative(ROOT, results)} has no full run of the bench (only --quick ones, or none): run \`npm run bench\``)
  await writeFile(readme, withSection(await readFile(readme, 'utf8'), renderSection(run)))
  return run
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const run = await updateReadme()
  process.stderr.write(`README.md: the bench table of ${run.date}\n`)
}
