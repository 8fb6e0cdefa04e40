// RFC 8785 (JCS): the one canonical form that receipts, transactions and blocks are hashed and signed in.
import canonicalizeModule from 'canonicalize'

import {isWellFormed, loneSurrogatePath} from './well-formed-text.js'

// The package is CommonJS with an ESM-style declaration; at run time the default import is the function.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined

const UTF8 = new TextEncoder()

export function canonicalJson(value: unknown): string {
  const fast = plainJsonOrNothing(value)
  if (fast !== undefined) return fast
  // The package would write a lone surrogate as an escape; RFC 8785 (3.2.2.2) says there is no form.
  const lone = loneSurrogatePath(value)
  if (lone !== undefined) throw new TypeError(`${lone} holds a lone surrogate, which has no RFC 8785 form`)
  const text = canonicalize(value)
  if (text === undefined) throw new TypeError('value has no JSON form')
  return text
}

export function canonicalBytes(value: unknown): Uint8Array {
  return UTF8.encode(canonicalJson(value))
}

/** plainJson, or undefined where it would throw (a value nested too deep for the stack). */
function plainJsonOrNothing(value: unknown): string | undefined {
  try {
    return plainJson(value)
  } catch {
    return undefined
  }
}

/**
 * The common case in one pass (a receipt is verified at some 10 µs less): plain JSON data, i.e. null,
 * booleans, finite numbers, well-formed strings, dense arrays and objects without toJSON, written as
 * the package writes them (members sorted by UTF-16 code units, numbers and strings as JSON.stringify
 * writes them, which is RFC 8785's form for both). Undefined for anything else, which goes the long
 * way above with its errors: the answer never differs (test/protocol/canonical-json.test.ts).
 */
function plainJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return isWellFormed(value) ? JSON.stringify(value) : undefined
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object':
      break
    default:
      return undefined
  }
  if (value === null) return 'null'
  if (Array.isArray(value)) {
    let text = '['
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return undefined
      const item = plainJson(value[i])
      if (item === undefined) return undefined
      text += i === 0 ? item : `,${item}`
    }
    return `${text}]`
  }
  if ('toJSON' in value) return undefined
  const keys = Object.keys(value).sort()
  let text = '{'
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    const member = plainJson((value as Record<string, unknown>)[key])
    if (member === undefined || !isWellFormed(key)) return undefined
    text += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${member}`
  }
  return `${text}}`
}
