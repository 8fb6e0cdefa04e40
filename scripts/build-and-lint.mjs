// `npm test`: the build, the lint and the suite (test/run-suite.mjs), with as little waiting as two cores
// allow. The suite needs the bundle (scripts/bundle-cli.ts, the second step of `npm run build`) and the
// tests' transpile (scripts/build-tests.mjs), so those come first, side by side. The type check (`tsc -b`,
// the first step of `npm run build`: noEmit, TypeScript 7, some 4 CPU-s on a fresh clone) and eslint
// (some 14) only judge the code: they start with the others and go on beside the first tests, on a core
// the build would leave idle, and what they said is printed after the suite's report. On a checkout that
// ran before each one is quick: tsc and eslint remember what they checked, the bundle is skipped while its
// inputs are unchanged.
//
//   node scripts/build-and-lint.mjs          build and lint only (no tests)
//   node scripts/build-and-lint.mjs --test [FILE...]   and the suite, or those test files (npm test [-- FILE...])
//
// The commands are package.json's (`build` split at `&&`, so each of its steps must stand alone, and
// `lint:eslint`), run with node_modules/.bin on the PATH as npm would, without an npm process for each.
// Each output is printed whole when its command ends, so they do not interleave. Fails when any fails.
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {performance} from 'node:perf_hooks'

import {buildTests, ROOT} from './build-tests.mjs'

const {scripts} = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
const [typecheck, bundle] = scripts.build.split('&&').map((command) => command.trim())
const env = {...process.env, PATH: [path.join(ROOT, 'node_modules', '.bin'), process.env.PATH].join(path.delimiter)}

function seconds(started) {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`
}

/** Runs a shell command; resolves to `{ok, report}`: its output and a line saying how it ended. */
function run(command) {
  const started = performance.now()
  return new Promise((resolve) => {
    const child = spawn(command, {cwd: ROOT, env, shell: true, stdio: ['ignore', 'pipe', 'pipe']})
    const output = []
    child.stdout.on('data', (chunk) => output.push(chunk))
    child.stderr.on('data', (chunk) => output.push(chunk))
    child.on('close', (code, signal) => {
      const ok = code === 0
      const line = `${ok ? 'done' : 'FAILED'} in ${seconds(started)}${ok ? '' : ` (${signal ?? `exit ${code}`})`}: ${command}\n`
      resolve({ok, report: Buffer.concat(output).toString() + line})
    })
  })
}

async function transpileTests() {
  const started = performance.now()
  try {
    const count = await buildTests()
    return {ok: true, report: `done in ${seconds(started)}: .test-build (${count} file(s) transpiled or copied)\n`}
  } catch (error) {
    return {ok: false, report: `FAILED in ${seconds(started)}: .test-build\n${error?.stack ?? error}\n`}
  }
}

/** `node test/run-suite.mjs [FILE...]`, its output straight through; resolves to whether it passed. */
function runSuite(files) {
  const suite = spawn(process.execPath, [path.join(ROOT, 'test', 'run-suite.mjs'), ...files], {cwd: ROOT, stdio: 'inherit'})
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => suite.kill(signal))
  return new Promise((resolve) => suite.on('close', (code) => resolve(code === 0)))
}

function print({ok, report}) {
  process.stdout.write(report)
  return ok
}

const checks = Promise.all([run(typecheck), run(scripts['lint:eslint'])])
// Printed as each ends: the suite waits for both.
const needed = await Promise.all([run(bundle).then(print), transpileTests().then(print)])
let ok = needed.every(Boolean)
const [mode, ...files] = process.argv.slice(2)
if (mode === '--test') {
  if (ok) ok = await runSuite(files)
  else process.stdout.write('The build failed: the tests did not run.\n')
}
ok = (await checks).map(print).every(Boolean) && ok
process.exitCode = ok ? 0 : 1
