// Ed25519 for receipts and blocks. Signing uses node:crypto (fast, deterministic, so byte-identical to
// any other RFC 8032 signer). Verification is strict RFC 8032 with @noble/ed25519 as the reference.
import {createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, type KeyObject} from 'node:crypto'
import * as ed from '@noble/ed25519'
import {sha512} from '@noble/hashes/sha2.js'

import {toBase64Url} from './encoding.js'

ed.hashes.sha512 = sha512

export const ED25519 = 'Ed25519'
export const SEED_LENGTH = 32
export const PUBLIC_KEY_LENGTH = 32
export const SIGNATURE_LENGTH = 64

// DER prefixes that wrap a raw 32-byte key as PKCS#8 (private) and SPKI (public) for node:crypto.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

export function generateSeed(): Uint8Array {
  return new Uint8Array(randomBytes(SEED_LENGTH))
}

export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki'})
}

export class Ed25519Signer {
  readonly publicKey: Uint8Array
  /** base64url of the raw public key: how receipts and blocks name the key that signed them. */
  readonly keyId: string
  private readonly privateKey: KeyObject

  constructor(seed: Uint8Array) {
    if (seed.length !== SEED_LENGTH) throw new Error(`an Ed25519 seed is ${SEED_LENGTH} bytes, got ${seed.length}`)
    this.privateKey = createPrivateKey({key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8'})
    const spki = createPublicKey(this.privateKey).export({format: 'der', type: 'spki'})
    this.publicKey = new Uint8Array(spki.subarray(SPKI_PREFIX.length))
    this.keyId = toBase64Url(this.publicKey)
  }

  sign(message: Uint8Array): Uint8Array {
    return new Uint8Array(nodeSign(null, message, this.privateKey))
  }
}

/** Strict RFC 8032 verification: non-canonical point or scalar encodings are rejected. */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTH || publicKey.length !== PUBLIC_KEY_LENGTH) return false
  try {
    return ed.verify(signature, message, publicKey, {zip215: false})
  } catch {
    return false
  }
}
