// The rules behind what `jobs submit --wait` / `jobs result` put on stdout, what `jobs submit` sends, and
// how `jobs get` previews long texts.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {jobRequest} from '../../src/cli/job-flags.js'
import {preview, textForStdout} from '../../src/cli/job-render.js'

describe('textForStdout', () => {
  it('keeps the exact bytes for a pipe or file', () => {
    for (const text of ['', 'no newline', 'one\n', 'two\n\n', 'héllo ✓\r\n']) assert.equal(textForStdout(text, false), text)
  })

  it('ends a terminal line only when the text does not', () => {
    assert.equal(textForStdout('no newline', true), 'no newline\n')
    assert.equal(textForStdout('one\n', true), 'one\n')
    assert.equal(textForStdout('', true), '')
  })
})

describe('jobRequest', () => {
  it('sends only what the user set, so the coordinator applies its defaults', () => {
    assert.deepEqual(jobRequest('hi', {}), {prompt: 'hi'})
    assert.deepEqual(jobRequest('hi', {model: 'mistral', temperature: 0}), {prompt: 'hi', model: 'mistral', params: {temperature: 0}})
    assert.deepEqual(jobRequest('hi', {'max-tokens': 8, 'top-p': 1}), {prompt: 'hi', params: {max_tokens: 8, top_p: 1}})
  })
})

describe('preview', () => {
  it('flattens whitespace, cuts long texts at a code point and counts characters', () => {
    assert.equal(preview('say\n  hi'), 'say hi  (8 chars)')
    const long = '🙂'.repeat(70)
    assert.equal(preview(long), `${'🙂'.repeat(59)}…  (70 chars)`)
    assert.equal(preview(undefined), undefined)
  })
})
