import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'

import {Ed25519Signer, verifyEd25519} from '../../src/protocol/ed25519.js'
import {fromHex, toHex} from '../../src/protocol/encoding.js'
import {vectorPath} from '../vectors/ed25519/paths.js'

interface RfcVector {priv: string; pub: string; msg: string; sig: string}
interface WycheproofTest {tcId: number; comment: string; msg: string; sig: string; result: 'valid' | 'invalid' | 'acceptable'}
interface WycheproofFile {testGroups: {publicKey: {pk: string}; tests: WycheproofTest[]}[]}

const hex = (text: string) => fromHex(text) ?? assert.fail(`bad hex in vector: ${text}`)
const rfc: RfcVector[] = JSON.parse(readFileSync(vectorPath('rfc8032-ed25519.json'), 'utf8'))
const wycheproof: WycheproofFile = JSON.parse(readFileSync(vectorPath('wycheproof-ed25519.json'), 'utf8'))

describe('Ed25519 against RFC 8032 vectors', () => {
  for (const [i, v] of rfc.entries()) {
    it(`vector ${i + 1}: signs byte for byte and verifies`, () => {
      const signer = new Ed25519Signer(hex(v.priv))
      assert.equal(toHex(signer.publicKey), v.pub)
      assert.equal(toHex(signer.sign(hex(v.msg))), v.sig)
      assert.equal(verifyEd25519(hex(v.sig), hex(v.msg), hex(v.pub)), true)
    })
  }
})

describe('Ed25519 against Wycheproof vectors (strict RFC 8032)', () => {
  for (const group of wycheproof.testGroups) {
    for (const t of group.tests) {
      it(`tcId ${t.tcId} ${t.comment} -> ${t.result}`, () => {
        const sig = fromHex(t.sig)
        const ok = sig !== undefined && verifyEd25519(sig, hex(t.msg), hex(group.publicKey.pk))
        assert.equal(ok, t.result === 'valid')
      })
    }
  }
})
