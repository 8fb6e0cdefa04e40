// fromBase64Url is strict (one spelling per value): it must refuse exactly what does not come back
// unchanged from decoding and encoding again, which is how it was first written.
import assert from 'node:assert/strict'
import {it} from 'node:test'

import fc from 'fast-check'

import {fromBase64Url, toBase64Url} from '../../src/protocol/encoding.js'

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

function byRoundTrip(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined
  const bytes = Buffer.from(text, 'base64url')
  return bytes.toString('base64url') === text ? new Uint8Array(bytes) : undefined
}

it('fromBase64Url accepts and refuses what a round trip does, on any text and on encoded bytes', () => {
  const digits = fc.string({unit: fc.constantFrom(...DIGITS), maxLength: 90})
  const anyText = fc.string({unit: 'binary', maxLength: 12})
  fc.assert(fc.property(fc.oneof(digits, anyText), (text) => assert.deepEqual(fromBase64Url(text), byRoundTrip(text))), {numRuns: 5000})
  fc.assert(fc.property(fc.uint8Array({maxLength: 70}), (bytes) => assert.deepEqual(fromBase64Url(toBase64Url(bytes)), bytes)))
  // The last digit of a 32-byte key id carries 4 bits; the 2 below them must be zero.
  assert.equal(fromBase64Url(`${'A'.repeat(42)}B`), undefined)
  assert.equal(fromBase64Url(`${'A'.repeat(42)}E`)?.length, 32)
  assert.equal(fromBase64Url('AA=='), undefined)
})
