import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {it} from 'node:test'

import {runCli} from '../helpers/cli.js'

/** What bash offers after `aitbc <words><TAB>`, using the script `aitbc autocomplete` generates. */
function complete(setupScript: string, words: string[]): string[] {
  const script = `
    source "${setupScript}"
    COMP_WORDS=(aitbc ${words.map((word) => `'${word}'`).join(' ')})
    COMP_CWORD=${words.length}
    COMP_LINE="aitbc ${words.join(' ')}"
    COMP_POINT=\${#COMP_LINE}
    _aitbc_autocomplete
    printf '%s\\n' "\${COMPREPLY[@]}"`
  return execFileSync('bash', ['-c', script], {encoding: 'utf8'}).split('\n').filter(Boolean)
}

it('the generated bash completion completes `aitbc jobs su` to `submit`', async () => {
  const cacheHome = mkdtempSync(path.join(tmpdir(), 'aitbc-cache-'))
  const result = await runCli(['autocomplete', 'bash', '--refresh-cache'], {env: {XDG_CACHE_HOME: cacheHome}})
  assert.equal(result.code, 0, result.stderr)
  const setup = path.join(cacheHome, 'aitbc', 'autocomplete', 'functions', 'bash', 'aitbc.bash')
  assert.deepEqual(complete(setup, ['jobs', 'su']), ['submit'])
  assert.ok(complete(setup, ['j']).includes('jobs'))
})
