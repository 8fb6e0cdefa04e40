// Ctrl-C on `npm run demo` removes its working directory (the keys it made), and stops what it started.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {test} from 'node:test'

import {REPO_ROOT} from '../helpers/cli.js'

test('SIGINT during the demo: exit 130, its temporary folder gone', async () => {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'demo', 'run-demo.js')], {cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  try {
    // Interrupted once the coordinator's keys exist on disk.
    const work = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', () => {
        const dir = /^Working directory: (\S+)/m.exec(stdout)?.[1]
        if (dir && /created keys for admin/.test(stdout)) resolve(dir)
      })
      void exited.then(() => reject(new Error(`the demo ended first:\n${stdout}\n${stderr}`)))
    })
    assert.ok(existsSync(work))
    child.kill('SIGINT')
    assert.equal(await exited, 130, stderr)
    assert.equal(existsSync(work), false, `${work} is left behind`)
    assert.match(stderr, /Demo interrupted \(SIGINT\)/)
  } finally {
    clearTimeout(killer)
    child.kill('SIGKILL')
  }
})
