// Key ids: how receipts, blocks and trust stores name an Ed25519 public key (base64url of the raw
// 32 bytes). People may also paste the hex form that /v1/keys shows as `public_key`.
import * as ed from '@noble/ed25519'

import {PUBLIC_KEY_LENGTH} from './ed25519.js'
import {fromBase64Url, fromHex, toBase64Url} from './encoding.js'

/** Why a public key can never verify under strict RFC 8032, or undefined when it is usable. */
export function publicKeyProblem(publicKey: Uint8Array): string | undefined {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) return `an Ed25519 public key is ${PUBLIC_KEY_LENGTH} bytes, got ${publicKey.length}`
  let point: ed.Point
  try {
    point = ed.Point.fromBytes(publicKey, false)
  } catch {
    return 'not a canonical encoding of a point on Ed25519'
  }
  return point.isSmallOrder() ? 'a point of small order, under which forged signatures verify' : undefined
}

/** The key id for a key given as base64url or hex, or why it is not a usable Ed25519 public key. */
export function parseKeyId(text: string): {keyId: string} | {problem: string} {
  const trimmed = text.trim()
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? fromHex(trimmed.toLowerCase()) : fromBase64Url(trimmed)
  if (!bytes) return {problem: 'not a key id (base64url of 32 bytes, without padding) nor 64 hex digits'}
  const problem = publicKeyProblem(bytes)
  return problem ? {problem} : {keyId: toBase64Url(bytes)}
}
