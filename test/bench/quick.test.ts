// `npm run bench -- --quick` runs every benchmark with tiny sizes, so that they keep working. Timings
// are never asserted: only that the run ends well and every row of the table is there, with numbers.
import assert from 'node:assert/strict'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, it} from 'node:test'

import {REPLICA_SIZES, replicaStore} from '../../bench/replicas.js'
import {REPO_ROOT} from '../helpers/cli.js'
import {nodeScript, runProcess} from '../helpers/process.js'

/** The rows of the table, in order, by the start of their figure. */
const ROWS = [
  'cold start: aitbc --version',
  'cold start: aitbc --help',
  'cold start: aitbc jobs list --help',
  'cold start: aitbc receipts verify FILE --key K',
  'cold start: aitbc jobs get ID',
  'cold start: aitbc explorer stats',
  'POST /v1/jobs',
  'full lifecycle',
  'POST /v1/jobs',
  'full lifecycle',
  'full lifecycle, miners on available + claim',
  'full lifecycle, miners on available + claim',
  'POST /v1/jobs',
  'full lifecycle',
  'aitbc serve start until /health answers',
  'aitbc serve resident memory',
  'aitbc serve start RSS',
  'POST /v1/miners/register',
  'aitbc receipts verify,',
  'aitbc receipts verify peak memory',
  'time to first token',
  'requests from the miner per job',
]

/** Four rows per replica run, present when a PostgreSQL server answers (always under CI). */
const POSTGRES_ROWS = REPLICA_SIZES.quick.replicas.flatMap((n) => Array<string>(4).fill(`${replicaStore(n)}:`))

let dir: string
before(async () => (dir = await mkdtemp(path.join(tmpdir(), 'aitbc-bench-test-'))))
after(() => rm(dir, {recursive: true, force: true}))

// Some 30 CPU-s, two thirds of it starting 20 coordinators; the bound leaves room for a machine shared
// with other suites.
const BENCH_TIMEOUT_MS = 540_000

it('npm run bench -- --quick produces every row of the table', {timeout: BENCH_TIMEOUT_MS + 30_000}, async () => {
  const out = path.join(dir, 'results.json')
  // Its coordinators and load generators run in the bench's process group, killed with it.
  const bench = await runProcess(process.execPath, [...nodeScript(new URL('../../bench/run.ts', import.meta.url)), '--quick', '--out', out], {cwd: REPO_ROOT, timeoutMs: BENCH_TIMEOUT_MS, name: 'npm run bench -- --quick'})
  assert.equal(bench.code, 0, bench.output)
  const {stdout} = bench
  type Row = {figure: string; value: number; baseline: {value: number}; ratio: number; ok: boolean; fsync?: string; exitLagMs?: number}
  const {runs} = JSON.parse(await readFile(out, 'utf8')) as {runs: {quick: boolean; rows: Row[]}[]}
  assert.equal(runs.length, 1, 'a new results file holds this run')
  const [results] = runs
  assert.equal(results.quick, true)
  const withPostgres = process.env.CI !== undefined || results.rows.some((row) => row.figure.startsWith('PostgreSQL'))
  const expected = [...ROWS, ...(withPostgres ? POSTGRES_ROWS : [])]
  assert.deepEqual(
    // The longest start that fits: 'full lifecycle, miners on …' is not just 'full lifecycle'.
    results.rows.map((row) => expected.filter((start) => row.figure.startsWith(start)).sort((a, b) => b.length - a.length)[0]),
    expected,
    results.rows.map((row) => row.figure).join('\n'),
  )
  for (const row of results.rows) {
    for (const value of [row.value, row.baseline.value, row.ratio]) assert.ok(Number.isFinite(value) && value > 0, `${row.figure}: ${value}`)
    assert.equal(typeof row.ok, 'boolean')
    assert.ok(stdout.includes(row.figure), `the printed table has ${row.figure}`)
    // The server rows say whether the coordinator fsynced; the network commands how long they stayed after printing.
    const server = /^(POST|full lifecycle|aitbc serve|time to first token|requests from the miner|PostgreSQL)/.test(row.figure)
    assert.equal(row.fsync === 'on' || row.fsync === 'off', server, `${row.figure}: fsync ${row.fsync}`)
    const network = /^cold start: aitbc (jobs get|explorer stats)/.test(row.figure)
    assert.equal(Number.isFinite(row.exitLagMs), network, `${row.figure}: exit lag ${row.exitLagMs}`)
  }
  assert.match(stdout, /^\| figure .*\| fsync \| ok +\|/m)
  assert.match(stdout, /^load average \(1, 5, 15 min\): /m)
})
