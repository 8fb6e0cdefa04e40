// The README's first command, `npm run demo`, minus the build (npm test has just built): the whole flow
// on the built CLI, loopback only. It must pass on a fresh machine, so it runs in CI.
import assert from 'node:assert/strict'
import path from 'node:path'
import {test} from 'node:test'

import {cliEnv, REPO_ROOT} from '../helpers/cli.js'
import {runProcess} from '../helpers/process.js'

/** The demo with its coordinator and miner in one process group: whatever it leaves running is killed with it. */
function runDemo() {
  return runProcess(process.execPath, [path.join(REPO_ROOT, 'demo', 'run-demo.js')], {cwd: REPO_ROOT, env: cliEnv(), timeoutMs: 120_000, name: 'npm run demo'})
}

test('npm run demo: coordinator, miner, job, receipt and chain verified, all stopped cleanly', async () => {
  const {code, stdout, stderr} = await runDemo()
  assert.equal(code, 0, `${stdout}\n${stderr}`)
  const prompt = 'Submit a job, let a miner run it, get a signed receipt, verify it yourself.'
  const words = prompt.split(' ')
  assert.ok(stdout.includes(`[demo echo-model: not AI] The prompt has ${words.length} words and ${prompt.length} characters.`), stdout)
  assert.match(stdout, /^ {2}job_\w+ completed by demo-miner\. Result:$/m)
  assert.match(stdout, /^ {2}miner demo-miner stopped after 1 job: 1 completed, 0 failed, 0 dropped$/m)
  assert.match(stdout, /^Demo complete/m)
  assert.doesNotMatch(stdout, /aitbc_[\w-]{20,}/, 'no API key is printed')
})
