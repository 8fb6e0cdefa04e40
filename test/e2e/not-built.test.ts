// A checkout used before its first build (`npm ci && npm link`, then `aitbc jobs list`) says what to do,
// instead of oclif calling every command unknown.
import assert from 'node:assert/strict'
import {copyFileSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, it} from 'node:test'

import {REPO_ROOT} from '../helpers/cli.js'
import {runProcess} from '../helpers/process.js'

const checkout = mkdtempSync(path.join(tmpdir(), 'aitbc-unbuilt-'))
after(() => rmSync(checkout, {recursive: true, force: true}))

it('without dist/, every command says to run npm run build (exit 1)', async () => {
  mkdirSync(path.join(checkout, 'bin'))
  copyFileSync(path.join(REPO_ROOT, 'bin', 'run.js'), path.join(checkout, 'bin', 'run.js'))
  copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(checkout, 'package.json'))
  const run = await runProcess(process.execPath, [path.join(checkout, 'bin', 'run.js'), 'jobs', 'list'], {cwd: checkout, timeoutMs: 30_000})
  assert.equal(run.code, 1, run.output)
  assert.equal(run.stdout, '')
  assert.equal(run.stderr, `aitbc is not built: run \`npm run build\` in ${checkout}${path.sep}\n`)
})
