// Strings must be well-formed UTF-16: a lone surrogate has no UTF-8 form, so RFC 8785 (3.2.2.2) gives
// it no canonical form and SHA-256 of "its UTF-8" would silently hash U+FFFD instead.

/** The path of the first string (value or member name) holding a lone surrogate, or undefined. */
export function loneSurrogatePath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return isWellFormed(value) ? undefined : path || '(the value itself)'
  if (typeof value !== 'object' || value === null) return undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = loneSurrogatePath(value[i], `${path}[${i}]`)
      if (found !== undefined) return found
    }
    return undefined
  }
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key
    if (!isWellFormed(key)) return `${path || '(the value itself)'} (a member name)`
    const found = loneSurrogatePath(item, at)
    if (found !== undefined) return found
  }
  return undefined
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text)
}
