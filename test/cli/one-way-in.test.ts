// Every command, `serve` and `serve init` included, goes through the base command's parsing, error and
// exit path: --json errors carry the real message, and profile names are checked as usage errors.
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'

import {aitbc, assertExit, json} from './aitbc.js'

const newDir = () => path.join(mkdtempSync(path.join(tmpdir(), 'aitbc-init-')), 'data')

describe('serve init through the base command', () => {
  it('prints the keys once, and --json on an initialised directory gives the reason, exit 1', async () => {
    const dir = newDir()
    const first = await aitbc(['serve', 'init', '--data-dir', dir, '--json'])
    assertExit(first, 0)
    assert.match(json<{admin_key: string}>(first).admin_key, /^aitbc_/)

    const again = await aitbc(['serve', 'init', '--data-dir', dir, '--json'])
    assertExit(again, 1)
    const {error} = json<{error: {code: string; message: string; exit_code: number}}>(again)
    assert.match(error.message, /already initialised/)
    assert.equal(error.exit_code, 1)
    assert.doesNotMatch(again.stdout, /EEXIT/)

    const plain = await aitbc(['serve', 'init', '--data-dir', dir])
    assertExit(plain, 1)
    assert.match(plain.stderr, /^Error: .*already initialised/)
  })

  it('a serve flag error is a usage error (exit 2) naming the flag', async () => {
    const result = await aitbc(['serve', '--port', '70000'])
    assertExit(result, 2)
    assert.match(result.stderr, /--port/)
  })
})

describe('profile names', () => {
  for (const [how, args, env] of [
    ['--profile', ['config', 'list', '--profile', '__proto__'], {}],
    ['--profile with a slash', ['config', 'set', 'url', 'http://127.0.0.1:1', '--profile', 'a/b'], {}],
    ['AITBC_PROFILE', ['keys', 'list'], {AITBC_PROFILE: 'bad name'}],
    ['config use', ['config', 'use', '../x'], {}],
  ] as const) {
    it(`a bad one is a usage error: ${how}`, async () => {
      const result = await aitbc([...args], {env})
      assertExit(result, 2)
      assert.match(result.stderr, /Invalid profile name[\s\S]*letters, digits/)
    })
  }

  it('a good one works', async () => {
    const result = await aitbc(['config', 'set', 'url', 'http://127.0.0.1:1', '--profile', 'prod-2_b'])
    assertExit(result, 0)
  })
})
