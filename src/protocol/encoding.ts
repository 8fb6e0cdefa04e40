// Byte encodings used on the wire: base64url without padding for keys and signatures, hex for hashes.
import {hash} from 'node:crypto'

const BASE64URL = /^[A-Za-z0-9_-]*$/
const BASE64URL_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** By length mod 4: the bits of the last character that carry no data (2 characters: 4 bits, 3: 2). */
const SPARE_BITS = [0, 0, 0b1111, 0b11]

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

/** Strict: rejects padding, other alphabets and non-canonical trailing bits (so one value has one spelling). */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || !BASE64URL.test(text) || text.length % 4 === 1) return undefined
  // Canonical when the bits past the data are zero: what encoding the bytes again would check, cheaper.
  const spare = SPARE_BITS[text.length % 4]
  if (spare !== 0 && (BASE64URL_DIGITS.indexOf(text[text.length - 1]) & spare) !== 0) return undefined
  return new Uint8Array(Buffer.from(text, 'base64url'))
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function fromHex(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(text)) return undefined
  return new Uint8Array(Buffer.from(text, 'hex'))
}

// One-shot hashing (no Hash object per call): a job hashes some eight values on the coordinator's hot
// path, and this is a few microseconds less each. A string is hashed as its UTF-8.
export function sha256(data: string | Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha256', data, 'buffer'))
}

export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex')
}
