// Strings must be well-formed UTF-16: a lone surrogate has no UTF-8 form, so RFC 8785 (3.2.2.2) gives
// it no canonical form and SHA-256 of "its UTF-8" would silently hash U+FFFD instead.

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text)
}

/** The path of the first string (value or member name) holding a lone surrogate, or undefined. */
export function loneSurrogatePath(value: unknown): string | undefined {
  // Every receipt and transaction is checked before it is hashed: the common answer, none, builds no paths.
  return hasLoneSurrogate(value) ? pathTo(value, '') : undefined
}

function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value)
  if (typeof value !== 'object' || value === null) return false
  if (Array.isArray(value)) return value.some(hasLoneSurrogate)
  for (const key in value) {
    if (LONE_SURROGATE.test(key) || hasLoneSurrogate((value as Record<string, unknown>)[key])) return true
  }
  return false
}

function pathTo(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return isWellFormed(value) ? undefined : path || '(the value itself)'
  if (typeof value !== 'object' || value === null) return undefined
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, i) => [`${path}[${i}]`, item]) : Object.entries(value).map(([key, item]) => [path ? `${path}.${key}` : key, item])
  if (!Array.isArray(value) && Object.keys(value).some((key) => !isWellFormed(key))) return `${path || '(the value itself)'} (a member name)`
  for (const [at, item] of entries) {
    const found = pathTo(item, at)
    if (found !== undefined) return found
  }
  return undefined
}
