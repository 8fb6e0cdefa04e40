// canonicalJson writes plain JSON data in one pass of its own and everything else through the
// canonicalize package (after refusing lone surrogates): the answer, or the error, must never depend on
// which way a value went. Compared here with the long way alone, on generated values of every kind.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import canonicalizeModule from 'canonicalize'
import fc from 'fast-check'

import {canonicalJson} from '../../src/protocol/canonical-json.js'
import {loneSurrogatePath} from '../../src/protocol/well-formed-text.js'

const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined

/** canonicalJson as it was before its fast path: the lone-surrogate walk, then the package. */
function longWay(value: unknown): string {
  const lone = loneSurrogatePath(value)
  if (lone !== undefined) throw new TypeError(`${lone} holds a lone surrogate, which has no RFC 8785 form`)
  const text = canonicalize(value)
  if (text === undefined) throw new TypeError('value has no JSON form')
  return text
}

function outcome(write: (value: unknown) => string, value: unknown): {text: string} | {error: string} {
  try {
    return {text: write(value)}
  } catch (error) {
    return {error: `${(error as Error).name}: ${(error as Error).message}`}
  }
}

/** `[1, <hole>, 3]`. */
function holey(): unknown[] {
  const array = [1, 2, 3]
  delete array[1]
  return array
}

function assertSame(value: unknown): void {
  assert.deepEqual(outcome(canonicalJson, value), outcome(longWay, value))
}

describe('canonical JSON: the one-pass way and the long way agree', () => {
  it('on JSON values, lone surrogates and all', () => {
    fc.assert(fc.property(fc.jsonValue({maxDepth: 4}), assertSame), {numRuns: 2000})
    fc.assert(fc.property(fc.jsonValue({maxDepth: 3, stringUnit: 'binary'}), assertSame), {numRuns: 2000})
  })

  it('on values JSON.parse never gives: undefined, NaN, Infinity, -0, holes, symbols, toJSON, bigint', () => {
    const odd = fc.constantFrom<unknown>(undefined, NaN, Infinity, -Infinity, -0, Symbol('s'), 10n, () => 1, new Date(0), {toJSON: () => '\ud800'}, {toJSON: 5}, holey())
    const mixed = fc.letrec((tie) => ({
      value: fc.oneof({depthSize: 'small'}, fc.jsonValue({maxDepth: 1}), odd, fc.array(tie('value'), {maxLength: 4}), fc.dictionary(fc.string({unit: 'binary'}), tie('value'), {maxKeys: 4})),
    })).value
    fc.assert(fc.property(mixed, assertSame), {numRuns: 3000})
  })

  it('on a value nested deeper than the stack, with a lone surrogate at the bottom', () => {
    let deep: unknown = '\ud800'
    for (let i = 0; i < 20_000; i++) deep = [deep]
    assert.throws(() => canonicalJson(deep), /lone surrogate/)
  })

  it('writes a receipt-shaped object as RFC 8785 does', () => {
    assert.equal(canonicalJson({units: 24, price: 4.8e-5, b: [true, null, -0], a: 'é"\n'}), '{"a":"é\\"\\n","b":[true,null,0],"price":0.000048,"units":24}')
  })
})
