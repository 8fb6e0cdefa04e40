import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {it} from 'node:test'

import {BIN, REPO_ROOT, runCli} from '../helpers/cli.js'

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

it("the README's completion line leaves ~/.bashrc ending with a newline, so the next line appended starts its own", async () => {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')
  const line = readme.split('\n').find((text) => text.includes('>> ~/.bashrc')) ?? assert.fail('README has a line appending to ~/.bashrc')
  const home = mkdtempSync(path.join(tmpdir(), 'aitbc-home-'))
  const bin = mkdtempSync(path.join(tmpdir(), 'aitbc-bin-'))
  writeFileSync(path.join(bin, 'aitbc'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`, {mode: 0o755})
  writeFileSync(path.join(home, '.bashrc'), '# existing\n')
  // Only the append: `source ~/.bashrc` would need an interactive shell.
  const append = line.replace(/;\s*source ~\/\.bashrc\s*$/, '')
  execFileSync('bash', ['-c', `${append}; echo 'alias next=true' >> ~/.bashrc`], {env: {...process.env, HOME: home, PATH: `${bin}:${process.env.PATH}`}, encoding: 'utf8'})
  const bashrc = readFileSync(path.join(home, '.bashrc'), 'utf8')
  assert.match(bashrc, /^# existing\n/)
  assert.match(bashrc, /aitbc/)
  assert.match(bashrc, /\nalias next=true\n$/)
})
