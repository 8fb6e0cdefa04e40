// Fast Ed25519 verification for batches: node:crypto (OpenSSL) with one KeyObject per key, and an
// async form that runs on libuv's thread pool while the caller parses the next receipt. It answers
// exactly what the strict reference `verifyEd25519` (@noble/ed25519, zip215: false) answers, which
// test/protocol/ed25519-batch.test.ts checks on every RFC 8032 and Wycheproof vector:
// - a key is checked once, by the reference's own decoding: y < p, no x = 0 with the sign bit set,
//   not of small order. OpenSSL accepts keys the reference rejects, so those never reach it.
// - S < L is checked here too, so the rule does not depend on the OpenSSL build.
// - OpenSSL's equation is cofactorless ([S]B = R + [k]A with R compared as bytes, so R is canonical):
//   anything it accepts, the cofactored reference accepts. Not the other way round (points with a
//   torsion part), so a rejection is confirmed by the reference; only failures pay for it.
import {type KeyObject, verify as nodeVerify} from 'node:crypto'

import {PUBLIC_KEY_LENGTH, publicKeyObject, SIGNATURE_LENGTH, verifyEd25519} from './ed25519.js'
import {fromBase64Url} from './encoding.js'
import {publicKeyProblem} from './key-id.js'

/** The group order L, little-endian, as the signature's S half is encoded. */
const ORDER_LE = Uint8Array.from(Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex'))

/** True when the S half of a 64-byte signature is below the group order, as RFC 8032 requires. */
export function hasCanonicalScalar(signature: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i]
    if (s !== ORDER_LE[i]) return s < ORDER_LE[i]
  }
  return false
}

interface CachedKey {
  publicKey: Uint8Array
  /** Undefined when the key fails publicKeyProblem: nothing verifies under it. */
  keyObject?: KeyObject
}

export class Ed25519BatchVerifier {
  private readonly keys = new Map<string, CachedKey>()

  /** The cached key for a key id (base64url of the raw key), built on first use. */
  private key(keyId: string): CachedKey | undefined {
    let cached = this.keys.get(keyId)
    if (!cached) {
      const publicKey = fromBase64Url(keyId)
      if (!publicKey || publicKey.length !== PUBLIC_KEY_LENGTH) return undefined
      cached = {publicKey, keyObject: publicKeyProblem(publicKey) ? undefined : publicKeyObject(publicKey)}
      this.keys.set(keyId, cached)
    }
    return cached
  }

  verifySync(signature: Uint8Array, message: Uint8Array, keyId: string): boolean {
    const key = this.usableKey(signature, keyId)
    if (!key) return false
    return nodeVerify(null, message, key.keyObject, signature) || verifyEd25519(signature, message, key.publicKey)
  }

  /** The same answer as verifySync, computed on the thread pool. */
  verify(signature: Uint8Array, message: Uint8Array, keyId: string): Promise<boolean> {
    const key = this.usableKey(signature, keyId)
    if (!key) return Promise.resolve(false)
    return new Promise((resolve, reject) => {
      nodeVerify(null, message, key.keyObject, signature, (error, ok) => {
        if (error) reject(error)
        else resolve(ok || verifyEd25519(signature, message, key.publicKey))
      })
    })
  }

  private usableKey(signature: Uint8Array, keyId: string): Required<CachedKey> | undefined {
    if (signature.length !== SIGNATURE_LENGTH || !hasCanonicalScalar(signature)) return undefined
    const key = this.key(keyId)
    return key?.keyObject ? (key as Required<CachedKey>) : undefined
  }
}
