// `aitbc help [COMMAND]` (src/commands/help.ts, in place of @oclif/plugin-help's command): the help of
// the CLI, a topic or a command on stdout, and a flag it does not know, `--json` included, a usage error
// naming it (exit 2) with nothing else printed: not oclif's error followed by the help of another
// subject. In-process; the real binary's `--help` and `help jbos` are in test/e2e/help.test.ts and
// test/ecosystem/not-found.test.ts.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {aitbc, assertExit} from './aitbc.js'

describe('aitbc help', {concurrency: true}, () => {
  it('help jobs submit --json: a usage error naming --json, exit 2, no help of anything', async () => {
    const result = await aitbc(['help', 'jobs', 'submit', '--json'])
    assertExit(result, 2)
    assert.equal(result.stdout, '')
    assert.equal(result.stderr, 'Error: Nonexistent flag: --json\nHelp is text for people: it has no --json form.\n')
  })

  it('help jobs submit --foo --bar: both named, how help is used, exit 2; a near miss gets its suggestion', async () => {
    const result = await aitbc(['help', 'jobs', 'submit', '--foo', '--bar'])
    assertExit(result, 2)
    assert.equal(result.stdout, '')
    assert.equal(result.stderr, 'Error: Nonexistent flags: --foo, --bar\nIt takes the words of a command (`aitbc help jobs submit`) and -n, --nested-commands.\n')
    const near = await aitbc(['help', '--nested'])
    assertExit(near, 2)
    assert.match(near.stderr, /^Error: Nonexistent flag: --nested\nDid you mean --nested-commands\?/)
    // --json is no suggestion where there is none; a command that has it still suggests it.
    assert.doesNotMatch((await aitbc(['help', '--jsn'])).stderr, /Did you mean/)
    assert.match((await aitbc(['jobs', 'list', '--jsn'])).stderr, /Did you mean --json\?/)
  })

  it('help jobs submit: the command\'s help on stdout, as `aitbc jobs submit --help` prints it, exit 0', async () => {
    const result = await aitbc(['help', 'jobs', 'submit'])
    assertExit(result, 0)
    assert.equal(result.stderr, '')
    assert.match(result.stdout, /^Submit an LLM job\.\n\nUSAGE\n {2}\$ aitbc jobs submit \[PROMPT\]/)
    assert.match(result.stdout, /\n +--timeout=<value> +With --wait: give up/)
  })

  it('help, help jobs, help -n: the CLI\'s and a topic\'s help, nested commands listed on demand', async () => {
    // After a command's help in this process, which must leave the config's commands as they were.
    assertExit(await aitbc(['help', 'jobs', 'submit']), 0)
    const root = await aitbc(['help'])
    assertExit(root, 0)
    assert.match(root.stdout, /\nTOPICS\n[\s\S]* {2}jobs +Submit LLM jobs/)
    assert.match(root.stdout, /\nCOMMANDS\n[\s\S]* {2}help +Show the help of aitbc, a topic or a command\./)
    assert.doesNotMatch(root.stdout, /jobs submit/)
    assert.match((await aitbc(['help', '-n'])).stdout, / {2}jobs submit +Submit an LLM job\./)
    const topic = await aitbc(['help', 'jobs'])
    assertExit(topic, 0)
    assert.match(topic.stdout, /^Submit LLM jobs, follow them, fetch results, cancel them\.\n\nUSAGE\n {2}\$ aitbc jobs COMMAND\n/)
  })
})
