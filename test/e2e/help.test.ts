// Help as the real binary prints it: every command's usage line is well formed (no empty choice of an
// exclusive group such as `[--offset <value> | ]`), and every command's help exits 0.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {REPO_ROOT, runCli} from '../helpers/cli.js'

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}

describe('help of every command', {concurrency: 4}, () => {
  for (const id of Object.keys(manifest.commands)) {
    it(`aitbc ${id.replaceAll(':', ' ')} --help`, async () => {
      const result = await runCli([...id.split(':'), '--help'], {timeoutMs: 30_000})
      assert.equal(result.code, 0, result.stderr)
      const usage = /USAGE\n([\s\S]*?)\n\n/.exec(result.stdout)?.[1] ?? assert.fail(result.stdout)
      assert.doesNotMatch(usage, /\|\s*\]|\[\s*\|/, usage)
    })
  }
})
