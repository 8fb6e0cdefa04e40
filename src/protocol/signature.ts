// The signature object shared by receipts and blocks: {alg, key_id, sig}, both values base64url.
import {ED25519, type Ed25519Signer, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH} from './ed25519.js'
import {Ed25519BatchVerifier} from './ed25519-batch.js'
import {fromBase64Url} from './encoding.js'

export interface SignatureObject {
  alg: string
  key_id: string
  sig: string
}

/**
 * node:crypto with one key object per trusted key: the strict reference's answers (ed25519-batch.ts), at
 * some 0.1 ms a signature instead of the reference's 2 to 10 (an audit of a chain checks every block).
 * Only trusted keys reach it, so its cache holds no more keys than the callers trust.
 */
const verifier = new Ed25519BatchVerifier()

export type SignatureFailure = 'malformed' | 'unsupported_alg' | 'untrusted_key' | 'bad_signature'

export function signBytes(signer: Ed25519Signer, message: Uint8Array): SignatureObject {
  return {alg: ED25519, key_id: signer.keyId, sig: Buffer.from(signer.sign(message)).toString('base64url')}
}

/**
 * Checks a signature against the keys the caller trusts (key ids, base64url). The key id inside the
 * signature only selects among trusted keys; it never makes a key trusted.
 */
export function checkSignature(
  signature: unknown,
  message: Uint8Array,
  trustedKeyIds: ReadonlySet<string>,
): SignatureFailure | undefined {
  const parsed = parseSignature(signature, trustedKeyIds)
  if (typeof parsed === 'string') return parsed
  return verifier.verifySync(parsed.sig, message, parsed.keyId) ? undefined : 'bad_signature'
}

/** A signature object whose algorithm, encodings and key passed every check short of the crypto. */
export interface ParsedSignature {
  keyId: string
  publicKey: Uint8Array
  sig: Uint8Array
}

/** Every check of checkSignature that needs no cryptography, in the same order (shared with batch verifiers). */
export function parseSignature(signature: unknown, trustedKeyIds: ReadonlySet<string>): ParsedSignature | Exclude<SignatureFailure, 'bad_signature'> {
  const parsed = parseSignatureObject(signature)
  if (typeof parsed === 'string') return parsed
  return trustedKeyIds.has(parsed.keyId) ? parsed : 'untrusted_key'
}

/** The shape, algorithm and encodings of a signature object, whoever's key it names. */
export function parseSignatureObject(signature: unknown): ParsedSignature | 'malformed' | 'unsupported_alg' {
  if (!isSignatureObject(signature)) return 'malformed'
  if (signature.alg !== ED25519) return 'unsupported_alg'
  const publicKey = fromBase64Url(signature.key_id)
  const sig = fromBase64Url(signature.sig)
  if (!publicKey || publicKey.length !== PUBLIC_KEY_LENGTH || !sig || sig.length !== SIGNATURE_LENGTH) return 'malformed'
  return {keyId: signature.key_id, publicKey, sig}
}

export function isSignatureObject(value: unknown): value is SignatureObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const {alg, key_id: keyId, sig} = value as Record<string, unknown>
  return typeof alg === 'string' && typeof keyId === 'string' && typeof sig === 'string'
}
