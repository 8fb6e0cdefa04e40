// RFC 8785 (JCS): the one canonical form that receipts, transactions and blocks are hashed and signed in.
import canonicalizeModule from 'canonicalize'

import {loneSurrogatePath} from './well-formed-text.js'

// The package is CommonJS with an ESM-style declaration; at run time the default import is the function.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined

export function canonicalJson(value: unknown): string {
  // The package would write a lone surrogate as an escape; RFC 8785 (3.2.2.2) says there is no form.
  const lone = loneSurrogatePath(value)
  if (lone !== undefined) throw new TypeError(`${lone} holds a lone surrogate, which has no RFC 8785 form`)
  const text = canonicalize(value)
  if (text === undefined) throw new TypeError('value has no JSON form')
  return text
}

export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value))
}
