import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'
import {parse as parseLossless} from 'lossless-json'

import {compareCodePoints, pythonCanonicalJson, pythonFloatRepr, pythonNumber, pythonString} from '../../src/protocol/python-canonical-json.js'
import {REPO_ROOT} from '../helpers/cli.js'

// Written by test/protocol/fixtures/make-python-fixtures.py with CPython: [number text, json.dumps(float(text))].
const floats: [string, string][] = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/protocol/fixtures/python-floats.json'), 'utf8'))

describe('Python canonical JSON', () => {
  it(`writes floats as CPython's repr does (${floats.length} cases from CPython)`, () => {
    for (const [text, expected] of floats) assert.equal(pythonNumber(text), expected, `number text ${text}`)
  })

  it('keeps ints as ints and floats in float form', () => {
    assert.equal(pythonNumber('1695720000'), '1695720000')
    assert.equal(pythonNumber('100000000000000000000000'), '100000000000000000000000')
    assert.equal(pythonNumber('-0'), '0')
    assert.equal(pythonNumber('1.0'), '1.0')
    assert.equal(pythonNumber('1e16'), '1e+16')
    assert.equal(pythonNumber('1E-7'), '1e-07')
    assert.equal(pythonFloatRepr(-0), '-0.0')
    assert.equal(pythonFloatRepr(123.456), '123.456')
  })

  it('escapes every character outside printable ASCII, as ensure_ascii does', () => {
    assert.equal(pythonString('a"b\\c/d'), '"a\\"b\\\\c/d"')
    assert.equal(pythonString('\b\f\n\r\t\u0001\u001f\u007f'), '"\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f"')
    assert.equal(pythonString('é☃😀'), '"\\u00e9\\u2603\\ud83d\\ude00"')
    assert.equal(pythonString('\ud800'), '"\\ud800"')
  })

  it('drops nulls everywhere, arrays included, and sorts keys by code point', () => {
    const value = parseLossless('{"b":[1,null,{"x":null,"y":1.50}],"a":null,"\uff21":1,"\ud83d\ude00":2,"B":true}')
    assert.equal(pythonCanonicalJson(value), '{"B":true,"b":[1,{"y":1.5}],"\\uff21":1,"\\ud83d\\ude00":2}')
    // UTF-16 order would put U+1F600 (0xD83D...) before U+FF21.
    assert.ok(compareCodePoints('\uff21', '\ud83d\ude00') < 0)
    assert.ok('\ud83d\ude00' < '\uff21')
  })
})
