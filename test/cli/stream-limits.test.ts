// The limits of following a job's output (`jobs submit --wait`, `jobs watch --stream`) have flags:
// --stream-idle-timeout (silence) shows its default in help, refuses a bad value (0, negative, not a
// number, more than a timer can wait), and stays well above
// the coordinator's keep-alive; one event is bounded by --max-answer-mib (see job-output-stream.ts),
// which takes the text splitter's linear time to hold. What happens when a limit is hit is in
// test/hostile/output-stream.test.ts.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {DEFAULT_STREAM_IDLE_MS} from '../../src/client/job-output-stream.js'
import {TextSplitter} from '../../src/client/text-splitter.js'
import {MAX_TIMER_SECONDS} from '../../src/protocol/timers.js'
import {KEEP_ALIVE_MS} from '../../src/server/streams/event-stream.js'
import {helpText} from '../helpers/help-text.js'
import {runCommand} from '../helpers/run-command.js'

describe('--stream-idle-timeout', () => {
  for (const command of ['jobs submit', 'jobs watch']) {
    it(`${command} --help shows it with its default and the keep-alive it must stay above`, async () => {
      const help = await helpText(command.replace(' ', ':'))
      assert.match(help, new RegExp(`--stream-idle-timeout=<value> .*the coordinator sends a keep-alive every ${KEEP_ALIVE_MS / 1000} s.*\\[default: ${DEFAULT_STREAM_IDLE_MS / 1000}\\]`))
    })
  }

  it('the default lets two keep-alives go missing before the stream is left', () => {
    assert.ok(DEFAULT_STREAM_IDLE_MS >= 3 * KEEP_ALIVE_MS, `${DEFAULT_STREAM_IDLE_MS} ms idle against a keep-alive every ${KEEP_ALIVE_MS} ms`)
  })

  // A parsing error: refused before any request (the URL answers nothing).
  for (const [args, value] of [
    [['jobs', 'watch', 'job_1', '--stream'], '0'],
    [['jobs', 'watch', 'job_1', '--stream'], '-1'],
    [['jobs', 'submit', '--wait', 'hi'], 'soon'],
    [['jobs', 'submit', '--wait', 'hi'], ''],
    // Past what a timer can wait, it would fire at once: the stream left at its first silence.
    [['jobs', 'watch', 'job_1', '--stream'], String(MAX_TIMER_SECONDS + 1)],
  ] as const) {
    it(`${args.slice(0, 2).join(' ')} --stream-idle-timeout '${value}': exit 2 naming the flag`, async () => {
      const result = await runCommand([...args, '--stream-idle-timeout', value], {env: {AITBC_URL: 'http://127.0.0.1:9', AITBC_API_KEY: 'aitbc_not-a-real-key-000000'}})
      assert.equal(result.code, 2, result.stderr)
      assert.match(result.stderr, new RegExp(`--stream-idle-timeout\\s+Expected a number greater than 0 and at most ${MAX_TIMER_SECONDS} but received: ${value}`))
    })
  }

  // A flag the run would ignore is refused before anything is read or sent (the URL answers nothing,
  // and the prompt would come from stdin: neither is touched).
  const env = {AITBC_URL: 'http://127.0.0.1:9', AITBC_API_KEY: 'aitbc_not-a-real-key-000000'}
  for (const [args, why, tty] of [
    [['jobs', 'watch', 'job_1', '--stream-idle-timeout', '5'], /--stream-idle-timeout[\s\S]*--stream/, false],
    [['jobs', 'watch', 'job_1', '--stream', '--json'], /--json.*cannot also be provided when using --stream/, false],
    [['jobs', 'submit', 'hi', '--stream-idle-timeout', '5'], /--stream-idle-timeout[\s\S]*--wait/, false],
    [['jobs', 'submit', 'hi', '--wait', '--no-stream', '--stream-idle-timeout', '5'], /--stream-idle-timeout is for the output stream, which this run does not follow: --no-stream was given/, true],
    [['jobs', 'submit', 'hi', '--wait', '--stream-idle-timeout', '5'], /does not follow: stdout is not a terminal[\s\S]*Add --stream/, false],
    [['jobs', 'submit', 'hi', '--wait', '--json', '--stream-idle-timeout', '5'], /does not follow: --json prints the final job/, true],
    [['jobs', 'submit', 'hi', '--wait', '--json', '--stream'], /--stream cannot be used with --json/, false],
    [['jobs', 'submit', 'hi', '--stream'], /--stream[\s\S]*--wait/, false],
    [['jobs', 'submit', 'hi', '--timeout', '5'], /--timeout[\s\S]*--wait/, false],
    [['jobs', 'submit', 'hi', '--unreachable-timeout', '5'], /--unreachable-timeout[\s\S]*--wait/, false],
    [['miner', 'run', '--miner-id', 'rig', '--model', 'm', '--no-stream', '--stream-interval', '1'], /--stream-interval paces the output stream, which --no-stream turns off/, false],
    [['miner', 'run', '--miner-id', 'rig', '--model', 'm', '--no-stream', '--stream-interval', '1', '--stream-batch-bytes', '9'], /--stream-interval and --stream-batch-bytes pace the output stream, which --no-stream/, false],
  ] as const) {
    it(`${args.join(' ')}${tty ? ' (on a terminal)' : ''}: a flag it would ignore, exit 2 saying why`, async () => {
      const result = await runCommand([...args], {env, input: 'never read', tty: {stdout: tty}})
      // Under --json the error is a JSON document on stdout.
      const said = `${result.stderr}${result.stdout}`
      assert.equal(result.code, 2, said)
      assert.match(said.replaceAll(/\s+/g, ' '), why)
      assert.doesNotMatch(said, /cannot reach|ECONNREFUSED/)
    })
  }

  it('jobs submit --help still shows --unreachable-timeout\'s default', async () => {
    assert.match(await helpText('jobs:submit'), /--unreachable-timeout=<value> .*\[default: 60\]/)
  })
})

describe('TextSplitter', () => {
  const splitInPieces = (text: string, separator: string, size: number) => {
    const splitter = new TextSplitter(separator)
    const parts: string[] = []
    for (let at = 0; at < text.length; at += size) parts.push(...splitter.push(text.slice(at, at + size)))
    return {parts, rest: splitter.rest()}
  }

  it('cuts text as split() does, however the chunks fall, a separator across two of them included', () => {
    const text = 'event: a\ndata: 1\n\n: keep-alive\n\n\n\ndata: 2\n\nx\n\n\nlast'
    for (const separator of ['\n', '\n\n']) {
      const whole = text.split(separator)
      for (const size of [1, 2, 3, 7, text.length]) {
        assert.deepEqual(splitInPieces(text, separator, size), {parts: whole.slice(0, -1), rest: whole.at(-1)}, `${JSON.stringify(separator)} in chunks of ${size}`)
      }
    }
  })

  it('holds one long part in linear time (a quadratic search would take minutes)', () => {
    const started = performance.now()
    const {parts, rest} = splitInPieces(`${'x'.repeat(16 * 1024 * 1024)}\n\n`, '\n\n', 4096)
    const seconds = (performance.now() - started) / 1000
    assert.equal(parts.length, 1)
    assert.equal(parts[0].length, 16 * 1024 * 1024)
    assert.equal(rest, '')
    assert.ok(seconds < 5, `took ${seconds} s`)
  })
})
