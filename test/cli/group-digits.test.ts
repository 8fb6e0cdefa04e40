// groupDigits stands in for toLocaleString('en-US') on counts (whose first call loads ICU's locale data
// at a command's start): it must give the same text for every count.
import assert from 'node:assert/strict'
import {it} from 'node:test'

import fc from 'fast-check'

import {preview} from '../../src/cli/job-render.js'
import {age, groupDigits} from '../../src/cli/render.js'

it('groupDigits writes a count as en-US does', () => {
  for (const count of [0, 7, 999, 1000, 12_345, 1_000_000, 9_007_199_254_740_991]) assert.equal(groupDigits(count), count.toLocaleString('en-US'))
  fc.assert(fc.property(fc.nat(), (count) => groupDigits(count) === count.toLocaleString('en-US')))
})

it('a preview counts the characters of a long text with separators', () => {
  assert.match(preview('x'.repeat(12_345)) ?? '', /\(12,345 chars\)$/)
})

it('an age is counted from a time, and a time a server sent that is not one reads "?", not "NaNd"', () => {
  const now = Date.parse('2026-12-02T12:00:00Z')
  assert.equal(age('2026-12-02T11:58:30Z', now), '1m')
  assert.equal(age('2026-11-30T12:00:00Z', now), '2d')
  assert.equal(age('2026-12-02T12:00:05Z', now), '0s')
  assert.equal(age(undefined, now), '-')
  assert.equal(age('yesterday', now), '?')
})
