// The process helper every test uses: a time limit kills the whole process group and says so with the
// output, and a process that ends takes what it left in its group with it.
import assert from 'node:assert/strict'
import {it} from 'node:test'

import {runProcess, startProcess} from '../helpers/process.js'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits until `pid` is gone (killed processes are reaped by init a moment later). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 25))
  return !alive(pid)
}

it('a time limit kills the group and the error says "killed after N s" with the output', async () => {
  // Long enough for bash to print its first line on a machine at load 20 (1 s was not).
  const run = startProcess('bash', ['-c', 'sleep 60 & echo "grandchild $!"; echo "to stderr" >&2; wait'], {timeoutMs: 5_000, name: 'a stuck shell'})
  const [, grandchild] = await run.waitFor(/grandchild (\d+)\n/)
  await assert.rejects(run.result, (error: Error) => {
    assert.match(error.message, /^a stuck shell: killed after 5 s/)
    assert.match(error.message, /--- stdout\ngrandchild \d+\n--- stderr\nto stderr\n/)
    return true
  })
  assert.ok(await gone(Number(grandchild)), 'the shell\'s background sleep was killed with it')
})

it('what a finished process left running in its group is killed with it', async () => {
  const result = await runProcess('bash', ['-c', 'sleep 60 & echo $!'])
  assert.equal(result.code, 0)
  assert.ok(await gone(Number(result.stdout.trim())), 'the background sleep outlived its shell')
})
