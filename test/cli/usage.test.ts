// Mistakes on the command line fail at once with exit 2 and name the flag or argument to fix, before
// any request; an unreachable coordinator is exit 6. No coordinator runs here.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {freePort} from '../helpers/ports.js'
import {aitbc, assertExit, json} from './aitbc.js'

describe('usage errors (exit 2)', {concurrency: 4}, () => {
  const cases: [string[], RegExp][] = [
    [['jobs', 'submit'], /prompt is empty[\s\S]*echo Hello \| aitbc jobs submit -/],
    [['jobs', 'submit', '-'], /prompt is empty/],
    [['jobs', 'submit', '--temperature', '2.5', 'hi'], /--temperature[\s\S]*from 0 to 2/],
    [['jobs', 'submit', '--top-p', 'x', 'hi'], /--top-p[\s\S]*from 0 to 1/],
    [['jobs', 'submit', '--max-tokens', '40000', 'hi'], /--max-tokens[\s\S]*32768/],
    [['jobs', 'submit', '--timeout', '5', 'hi'], /--wait/],
    [['jobs', 'submit', '--wait', '--timeout', '0', 'hi'], /--timeout[\s\S]*greater than 0/],
    // More seconds than a timer can wait: it would fire at once (exit 8 straight away), so it is refused.
    [['jobs', 'watch', 'job_1', '--stream', '--timeout', '3000000'], /--timeout[\s\S]*greater than 0 and at most 2147483/],
    [['jobs', 'watch', 'job_1', '--unreachable-timeout', '3000000'], /--unreachable-timeout[\s\S]*at most 2147483/],
    [['health', '--connect-timeout', '3000000'], /--connect-timeout[\s\S]*at most 2147483/],
    [['health', '--request-timeout', '1e400'], /--request-timeout[\s\S]*at most 2147483/],
    [['miner', 'run', '--job-timeout', '3000000'], /--job-timeout[\s\S]*2147483/],
    [['jobs', 'list', '--all', '--limit', '5'], /--all/],
    [['jobs', 'list', '--status', 'done'], /--status/],
    [['jobs', 'watch'], /job_id/i],
    [['miner', 'poll'], /miner-id/],
    [['miner', 'complete', 'job_1', '--miner-id', 'm1'], /result/],
    [['miner', 'register', '--miner-id', 'm1'], /model/],
    [['explorer', 'block', 'tip'], /integer of at least 0/],
    [['explorer', 'block', '-1'], /integer of at least 0/],
    [['admin', 'keys', 'create', '--role', 'root', '--name', 'x'], /--role/],
    // Flags named as typed, a "did you mean" for a mistyped flag, and the hint an unquoted prompt needs.
    [['admin', 'keys', 'create', '--role', 'client'], /^Error: Missing required flag --name\n/],
    [['jobs', 'list', '--limt', '3'], /Nonexistent flag: --limt\n[\s\S]*Did you mean --limit\?/],
    [['jobs', 'submit', '--modle', 'llama3.2', 'hi'], /Did you mean --model\?/],
    [['jobs', 'submit', 'a', 'haiku', 'about', 'GPUs'], /Unexpected arguments: haiku, about, GPUs\n[\s\S]*in quotes: aitbc jobs submit "Write a haiku about GPUs"/],
  ]
  for (const [args, message] of cases) {
    it(`aitbc ${args.join(' ')}`, async () => {
      const result = await aitbc(args)
      assertExit(result, 2)
      assert.match(result.stderr, message)
      assert.equal(result.stdout, '')
      assert.doesNotMatch(result.stderr, /The following error occurred/)
    })
  }

  it('under --json the error is one JSON document on stdout', async () => {
    const result = await aitbc(['jobs', 'submit', '--json'])
    assertExit(result, 2)
    assert.deepEqual(json(result), {error: {code: 'usage', message: 'The prompt is empty.', exit_code: 2}})
  })
})

describe('unreachable coordinator (exit 6)', () => {
  it('says where it tried and what to check, on stderr or as JSON', async () => {
    const url = `http://127.0.0.1:${await freePort()}`
    const plain = await aitbc(['jobs', 'submit', 'hi', '--url', url])
    assertExit(plain, 6)
    assert.equal(plain.stdout, '')
    assert.match(plain.stderr, new RegExp(`cannot reach the coordinator at ${url}[\\s\\S]*--url`))

    const asJson = await aitbc(['jobs', 'list', '--json', '--url', url])
    assertExit(asJson, 6)
    assert.equal(json<{error: {code: string; exit_code: number}}>(asJson).error.code, 'unreachable')
  })
})
