// The fast batch path must say exactly what the strict reference (verifyEd25519, @noble/ed25519 with
// zip215: false) says: on every published vector, and on crafted cases where OpenSSL and the reference
// are known to differ (small-order keys, points with a torsion part, non-canonical encodings).
import assert from 'node:assert/strict'
import {createHash, randomBytes} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'
import * as ed from '@noble/ed25519'

import {Ed25519BatchVerifier, hasCanonicalScalar} from '../../src/protocol/ed25519-batch.js'
import {parseKeyId, publicKeyProblem} from '../../src/protocol/key-id.js'
import {Ed25519Signer, generateSeed, verifyEd25519} from '../../src/protocol/ed25519.js'
import {fromHex, toBase64Url} from '../../src/protocol/encoding.js'
import {vectorPath} from '../vectors/ed25519/paths.js'

interface Case {name: string; sig: Uint8Array; msg: Uint8Array; pk: Uint8Array}

const hex = (text: string) => fromHex(text) ?? assert.fail(`bad hex: ${text}`)

function publishedVectors(): Case[] {
  const rfc: {pub: string; msg: string; sig: string}[] = JSON.parse(readFileSync(vectorPath('rfc8032-ed25519.json'), 'utf8'))
  const wycheproof: {testGroups: {publicKey: {pk: string}; tests: {tcId: number; comment: string; msg: string; sig: string}[]}[]} =
    JSON.parse(readFileSync(vectorPath('wycheproof-ed25519.json'), 'utf8'))
  const cases = rfc.map((v, i) => ({name: `RFC 8032 vector ${i + 1}`, sig: hex(v.sig), msg: hex(v.msg), pk: hex(v.pub)}))
  for (const group of wycheproof.testGroups) {
    for (const t of group.tests) {
      // A few Wycheproof signatures are not even hex bytes (odd length); they cannot reach a verifier.
      const sig = fromHex(t.sig)
      if (sig) cases.push({name: `Wycheproof tcId ${t.tcId} ${t.comment}`, sig, msg: hex(t.msg), pk: hex(group.publicKey.pk)})
    }
  }
  return cases
}

// The eight points of small order, in their canonical encodings.
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
].map(hex)

const L = 2n ** 252n + 27742317777372353535851937790883648493n
const le = (n: bigint) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse())
const scalar = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`) % L
const challenge = (...parts: Uint8Array[]) => scalar(createHash('sha512').update(Buffer.concat(parts)).digest())

/** Signs with secret scalar `a` under an arbitrary public key encoding and an arbitrary nonce point offset. */
function craft(a: bigint, pk: Uint8Array, msg: Uint8Array, rOffset = ed.Point.ZERO): Uint8Array {
  const r = scalar(randomBytes(64)) || 1n
  const R = ed.Point.BASE.multiply(r).add(rOffset).toBytes()
  const s = (r + challenge(R, pk, msg) * a) % L
  return Uint8Array.from([...R, ...le(s)])
}

function craftedCases(): Case[] {
  const msg = new TextEncoder().encode('receipt bytes')
  const a = scalar(randomBytes(64)) || 1n
  const A = ed.Point.BASE.multiply(a)
  const torsion = ed.Point.fromBytes(SMALL_ORDER[4])
  const cases: Case[] = []
  for (const [i, pk] of SMALL_ORDER.entries()) {
    // The identity R with S = 0 "verifies" any message under a small-order key without the cofactor check.
    cases.push({name: `small-order key ${i}, R = identity, S = 0`, sig: Uint8Array.from([...SMALL_ORDER[0], ...new Uint8Array(32)]), msg, pk})
    cases.push({name: `small-order key ${i}, R = the key, S = 0`, sig: Uint8Array.from([...pk, ...new Uint8Array(32)]), msg, pk})
  }
  const mixedKey = A.add(torsion).toBytes()
  for (let i = 0; i < 8; i++) {
    cases.push({name: `key with a torsion part, try ${i}`, sig: craft(a, mixedKey, msg), msg, pk: mixedKey})
    cases.push({name: `R with a torsion part, try ${i}`, sig: craft(a, A.toBytes(), msg, torsion), msg, pk: A.toBytes()})
  }
  // Non-canonical encodings: y + p for a key whose y < 19, and S + L.
  const canonical = A.toBytes()
  const good = craft(a, canonical, msg)
  cases.push({name: 'S + L', sig: Uint8Array.from([...good.subarray(0, 32), ...le(scalar(good.subarray(32)) + L)]), msg, pk: canonical})
  const y1 = hex('0100000000000000000000000000000000000000000000000000000000000000')
  const yPlusP = hex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f') // 1 + p: the identity again
  cases.push({name: 'non-canonical small-order key y = 1 + p', sig: Uint8Array.from([...y1, ...new Uint8Array(32)]), msg, pk: yPlusP})
  cases.push({name: 'a valid signature', sig: good, msg, pk: canonical})
  return cases
}

const all = [...publishedVectors(), ...craftedCases()]

describe('Ed25519BatchVerifier agrees with the strict reference', () => {
  it(`on ${all.length} cases, synchronously and on the thread pool`, async () => {
    const verifier = new Ed25519BatchVerifier()
    let valid = 0
    for (const c of all) {
      const expected = verifyEd25519(c.sig, c.msg, c.pk)
      const keyId = toBase64Url(c.pk)
      assert.equal(verifier.verifySync(c.sig, c.msg, keyId), expected, `${c.name} (sync)`)
      assert.equal(await verifier.verify(c.sig, c.msg, keyId), expected, `${c.name} (async)`)
      if (expected) valid++
    }
    // The crafted torsion cases must include some the reference accepts, or the fallback is untested.
    assert.ok(valid > 10, `only ${valid} valid cases`)
  })

  it('the crafted cases include ones where node:crypto alone would answer differently, both ways', async () => {
    const {verify} = await import('node:crypto')
    const {publicKeyObject} = await import('../../src/protocol/ed25519.js')
    const outcomes = new Set(craftedCases().map((c) => `node ${verify(null, c.msg, publicKeyObject(c.pk), c.sig)}, reference ${verifyEd25519(c.sig, c.msg, c.pk)}`))
    // Both directions: keys OpenSSL accepts and the reference rejects (the pre-checks), and torsion
    // cases OpenSSL rejects and the reference accepts (the fallback).
    assert.ok(outcomes.has('node true, reference false'))
    assert.ok(outcomes.has('node false, reference true'))
  })

  it('verifies a signer\u2019s signatures and rejects a changed message', async () => {
    const signer = new Ed25519Signer(generateSeed())
    const verifier = new Ed25519BatchVerifier()
    const msg = new TextEncoder().encode('hello')
    const sig = signer.sign(msg)
    assert.equal(await verifier.verify(sig, msg, signer.keyId), true)
    assert.equal(await verifier.verify(sig, new TextEncoder().encode('hellO'), signer.keyId), false)
  })

  it('explains why a key can never verify', () => {
    assert.match(publicKeyProblem(SMALL_ORDER[4]) ?? '', /small order/)
    assert.match(publicKeyProblem(hex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')) ?? '', /canonical/)
    assert.match(publicKeyProblem(new Uint8Array(31)) ?? '', /32 bytes/)
    assert.equal(publicKeyProblem(new Ed25519Signer(generateSeed()).publicKey), undefined)
    const signer = new Ed25519Signer(generateSeed())
    assert.deepEqual(parseKeyId(signer.keyId), {keyId: signer.keyId})
    assert.deepEqual(parseKeyId(Buffer.from(signer.publicKey).toString('hex').toUpperCase()), {keyId: signer.keyId})
    assert.ok('problem' in parseKeyId(`${signer.keyId}=`))
    assert.ok('problem' in parseKeyId(toBase64Url(SMALL_ORDER[0])))
    assert.equal(hasCanonicalScalar(Uint8Array.from([...new Uint8Array(32), ...le(L - 1n)])), true)
    assert.equal(hasCanonicalScalar(Uint8Array.from([...new Uint8Array(32), ...le(L)])), false)
  })
})
