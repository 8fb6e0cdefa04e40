// A mistyped command, as gh says it: `unknown command "jbos" for "aitbc"` and "Did you mean this?",
// exit 2 like any usage error; the same words in a pipe and on a terminal (a pty from util-linux
// `script`), where it asks nothing.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {stripVTControlCharacters} from 'node:util'

import {BIN, runCli, tempConfigDir} from '../helpers/cli.js'
import {startProcess} from '../helpers/process.js'

describe('a mistyped command', () => {
  it('without a terminal: says which word is unknown, suggests the command, exits 2', async () => {
    const result = await runCli(['jbos', 'list'])
    assert.equal(result.code, 2, result.stderr)
    assert.equal(result.stdout, '')
    assert.equal(
      result.stderr,
      'Error: unknown command "jbos" for "aitbc"\n\nDid you mean this?\n\taitbc jobs list\n\nRun `aitbc --help` for the list of commands.\n',
    )
  })

  it('under a topic: names the topic, and its help', async () => {
    const result = await runCli(['admin', 'keys', 'lst'])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /^Error: unknown command "lst" for "aitbc admin keys"\n/)
    assert.match(result.stderr, /Did you mean this\?\n\taitbc admin keys list\n/)
    assert.match(result.stderr, /Run `aitbc admin keys --help`/)
  })

  it('a subcommand typed without its topic is found by name; nothing close means no suggestion', async () => {
    const verify = await runCli(['verify', 'receipts.jsonl'])
    assert.match(verify.stderr, /Did you mean this\?\n\taitbc explorer verify\n\taitbc receipts verify\n/)
    const nothing = await runCli(['xyzzy'])
    assert.equal(nothing.code, 2)
    assert.doesNotMatch(nothing.stderr, /Did you mean/)
  })

  it('case aside; a mistyped flag before any command is named a flag', async () => {
    assert.match((await runCli(['JOBS', 'list'])).stderr, /Did you mean this\?\n\taitbc jobs list\n/)
    const flag = await runCli(['--versoin'])
    assert.equal(flag.code, 2)
    assert.match(flag.stderr, /^Error: unknown flag "--versoin" for "aitbc"\n\nDid you mean this\?\n\taitbc --version\n/)
  })

  it('after help: the same words and exit 2 (not oclif\'s "Command jbos not found."); known subjects still get their help', async () => {
    const result = await runCli(['help', 'jbos', 'list'])
    assert.equal(result.code, 2, result.stderr)
    assert.equal(
      result.stderr,
      'Error: unknown command "jbos" for "aitbc"\n\nDid you mean this?\n\taitbc jobs list\n\nRun `aitbc --help` for the list of commands.\n',
    )
    assert.match((await runCli(['help', 'jobs', 'lst'])).stderr, /^Error: unknown command "lst" for "aitbc jobs"\n\nDid you mean this\?\n\taitbc jobs list\n/)
    const known = await runCli(['help', 'jobs', 'list'])
    assert.equal(known.code, 0, known.stderr)
    assert.match(known.stdout, /^List your jobs, newest first\.\n\nUSAGE\n {2}\$ aitbc jobs list/)
  })

  it('under --json: the error document on stdout, as for any other usage error', async () => {
    const result = await runCli(['jbos', 'list', '--json'])
    assert.equal(result.code, 2)
    assert.deepEqual(JSON.parse(result.stdout), {error: {code: 'usage', message: 'unknown command "jbos" for "aitbc"', exit_code: 2, suggestions: ['jobs list']}})
  })

  it('on a terminal: the same suggestion, no question, exit 2', async () => {
    const env = {...process.env, AITBC_CONFIG_DIR: tempConfigDir(), TERM: 'xterm', NO_COLOR: '1'}
    // Stdin stays open and silent: a question would wait for an answer until the timeout.
    const command = `stty cols 80 rows 24; '${process.execPath}' '${BIN}' jobs sumbit "Say hi"`
    const running = startProcess('script', ['-qec', command, '/dev/null'], {env, keepStdinOpen: true, timeoutMs: 30_000, name: 'aitbc jobs sumbit (on a pty)'})
    const {code, stdout: output} = await running.result.finally(() => running.child.stdin?.end())
    const screen = stripVTControlCharacters(output)
    assert.match(screen, /unknown command "sumbit" for "aitbc jobs"/)
    assert.match(screen, /Did you mean this\?\r?\n\taitbc jobs submit\r?\n/)
    assert.doesNotMatch(screen, /\(Y\/n\)/)
    assert.equal(code, 2, screen)
  })
})
