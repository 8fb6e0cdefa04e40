// @oclif/plugin-not-found: a mistyped command exits 127 naming the help to read; on a terminal (a pty
// from util-linux `script`) it also offers the closest command.
import assert from 'node:assert/strict'
import {it} from 'node:test'
import {stripVTControlCharacters} from 'node:util'

import {BIN, runCli, tempConfigDir} from '../helpers/cli.js'
import {runProcess} from '../helpers/process.js'

it('a mistyped command exits 127 and points to the help', async () => {
  const result = await runCli(['jbos', 'list'])
  assert.equal(result.code, 127)
  // The plugin colours its words when CI is set (runCli sets it), even off a terminal.
  const stderr = stripVTControlCharacters(result.stderr)
  assert.match(stderr, /jbos list is not a aitbc command/)
  assert.match(stderr, /Run aitbc help for a list of available commands/)
})

it('on a terminal it asks "Did you mean jobs submit?"', async () => {
  const env = {...process.env, AITBC_CONFIG_DIR: tempConfigDir(), TERM: 'xterm', NO_COLOR: '1'}
  const command = `stty cols 80 rows 24; '${process.execPath}' '${BIN}' jobs sumbit`
  const {code, stdout: output} = await runProcess('script', ['-qec', command, '/dev/null'], {env, input: 'n\n', timeoutMs: 60_000, name: 'aitbc jobs sumbit (on a pty)'})
  assert.match(output, /Did you mean .*jobs submit.*\?/)
  assert.equal(code, 127, output)
})
