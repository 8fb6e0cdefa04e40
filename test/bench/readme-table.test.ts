// The README's Performance table is the newest full run of bench/results/latest.json, rendered by
// bench/readme-table.ts; and the results file keeps every run.
import assert from 'node:assert/strict'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, it} from 'node:test'

import {appendRun, newestFullRun, readRuns, type BenchRun} from '../../bench/lib/results.js'
import {currentSection, README, renderSection, RESULTS, withSection} from '../../bench/readme-table.js'

let dir: string
before(async () => (dir = await mkdtemp(path.join(tmpdir(), 'aitbc-bench-results-'))))
after(() => rm(dir, {recursive: true, force: true}))

const run = (date: string, quick: boolean, value = 100): BenchRun => ({
  date,
  quick,
  sizes: {},
  machine: {node: 'v20.20.2', cpus: 2, cpuModel: 'Test CPU', loadAverage: [1, 2, 3], loadAverageAtStart: [0.5, 1, 1.5]},
  rows: [
    {figure: 'cold start: aitbc --version', value, unit: 'ms', baseline: {name: 'node -e 0', value: 50, unit: 'ms'}, ratio: value / 50, target: '<= 2.2x', ok: value / 50 <= 2.2},
    {figure: 'POST /v1/jobs | 32 connections', value: 9000, unit: 'req/s', baseline: {name: 'bare Koa', value: 20000, unit: 'req/s'}, ratio: 0.45, target: '>= 0.30', ok: true, fsync: 'off'},
  ],
})

it("the README's Performance table is the newest full run of bench/results/latest.json", async () => {
  const newest = newestFullRun(await readRuns(RESULTS))
  assert.ok(newest, 'bench/results/latest.json has a full run')
  assert.equal(currentSection(await readFile(README, 'utf8')), renderSection(newest), 'run `npm run bench:readme`')
})

it('a rendered table has the date, the load average, and a row per figure with its baseline and fsync setting', () => {
  const section = renderSection(run('2026-12-02T02:30:00.000Z', false, 120))
  assert.match(section, /^Measured 2026-12-02 02:30 UTC on 2 × Test CPU, Node 20\.20\.2; load average \(1, 5, 15 min\) 0\.50, 1\.00, 1\.50 at the start, 1\.00, 2\.00, 3\.00 at the end\./)
  assert.match(section, /^\| cold start: aitbc --version \| 120 ms \| node -e 0: 50\.0 ms \| 2\.40 \| <= 2\.2x \| - \| \*\*no\*\* \|$/m)
  // A | in a figure would split its row.
  assert.match(section, /^\| POST \/v1\/jobs \\\| 32 connections \| 9,000 req\/s \| bare Koa: 20,000 req\/s \| 0\.45 \| >= 0\.30 \| off \| yes \|$/m)
  const readme = withSection(`# x\n${'<!-- bench-table: generated from bench/results/latest.json by `npm run bench:readme`; do not edit -->'}\nold\n<!-- /bench-table -->\nrest\n`, section)
  assert.equal(currentSection(readme), section)
  assert.ok(readme.endsWith('<!-- /bench-table -->\nrest\n'))
  assert.throws(() => withSection('# no markers\n', section), /README\.md has no generated bench table/)
})

it('the results file keeps every run; the README takes the newest full one', async () => {
  const file = path.join(dir, 'history.json')
  await appendRun(file, run('2026-12-01T00:00:00.000Z', false, 110))
  await appendRun(file, run('2026-12-02T00:00:00.000Z', false, 105))
  await appendRun(file, run('2026-12-03T00:00:00.000Z', true, 300))
  const runs = await readRuns(file)
  assert.deepEqual(runs.map((r) => r.date.slice(0, 10)), ['2026-12-01', '2026-12-02', '2026-12-03'])
  assert.equal(newestFullRun(runs)?.date.slice(0, 10), '2026-12-02')
})

it('a file of one run (the format before the history) becomes the first run; a file that is not JSON is refused and kept', async () => {
  const single = path.join(dir, 'single.json')
  await writeFile(single, JSON.stringify(run('2026-11-30T00:00:00.000Z', false)))
  await appendRun(single, run('2026-12-02T00:00:00.000Z', false))
  assert.deepEqual((await readRuns(single)).map((r) => r.date.slice(0, 10)), ['2026-11-30', '2026-12-02'])

  const broken = path.join(dir, 'broken.json')
  await writeFile(broken, '{"runs": [')
  await assert.rejects(appendRun(broken, run('2026-12-02T00:00:00.000Z', false)), /broken\.json is not the bench's JSON .*move it away/)
  assert.equal(await readFile(broken, 'utf8'), '{"runs": [')
})
