// `npm test`'s first step: `npm run build`, eslint and the tests' transpile (scripts/build-tests.mjs), all
// at once. The build's steps do not wait for each other: its `tsc -b` only type-checks (noEmit) and the
// bundle (scripts/bundle-cli.ts) is esbuild's, which reads the sources, not tsc's output. tsc is
// single-threaded and the longest on a fresh clone (some 25 CPU-s), eslint next (some 17); the bundle
// and the transpile fit beside them on a second core. On a checkout that ran before each one is quick:
// tsc and eslint remember what they checked, the bundle is skipped while its inputs are unchanged.
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
const commands = [...scripts.build.split('&&'), scripts['lint:eslint']].map((command) => command.trim())
const env = {...process.env, PATH: [path.join(ROOT, 'node_modules', '.bin'), process.env.PATH].join(path.delimiter)}

function seconds(started) {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`
}

function run(command) {
  const started = performance.now()
  return new Promise((resolve) => {
    const child = spawn(command, {cwd: ROOT, env, shell: true, stdio: ['ignore', 'pipe', 'pipe']})
    const output = []
    child.stdout.on('data', (chunk) => output.push(chunk))
    child.stderr.on('data', (chunk) => output.push(chunk))
    child.on('close', (code, signal) => {
      process.stdout.write(Buffer.concat(output))
      const ok = code === 0
      process.stdout.write(`${ok ? 'done' : 'FAILED'} in ${seconds(started)}${ok ? '' : ` (${signal ?? `exit ${code}`})`}: ${command}\n`)
      resolve(ok)
    })
  })
}

async function transpileTests() {
  const started = performance.now()
  try {
    const count = await buildTests()
    process.stdout.write(`done in ${seconds(started)}: .test-build (${count} file(s) transpiled or copied)\n`)
    return true
  } catch (error) {
    process.stdout.write(`FAILED in ${seconds(started)}: .test-build\n${error?.stack ?? error}\n`)
    return false
  }
}

const results = await Promise.all([...commands.map(run), transpileTests()])
process.exitCode = results.every(Boolean) ? 0 : 1
