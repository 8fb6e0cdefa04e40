// Strings must be well-formed UTF-16: a lone surrogate has no UTF-8 form, so RFC 8785 (3.2.2.2) gives
// it no canonical form and SHA-256 of "its UTF-8" would silently hash U+FFFD instead.

/** String.prototype.isWellFormed (ES2024; Node 20 has it, TypeScript's lib here does not yet). */
const wellFormed = (String.prototype as {isWellFormed?: (this: string) => boolean}).isWellFormed
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

export function isWellFormed(text: string): boolean {
  return wellFormed ? wellFormed.call(text) : !LONE_SURROGATE.test(text)
}

/**
 * The path of the first string (value or member name) holding a lone surrogate, or undefined. The walk
 * keeps its own stack, so a hostile body nested thousands deep cannot overflow the call stack; the common
 * answer, none, builds no paths (every receipt and transaction is checked before it is hashed).
 */
export function loneSurrogatePath(value: unknown): string | undefined {
  const stack: Visit[] = [{value}]
  for (let visit = stack.pop(); visit; visit = stack.pop()) {
    const current = visit.value
    if (typeof current === 'string') {
      if (!isWellFormed(current)) return pathOf(visit) || '(the value itself)'
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({value: current[i], parent: visit, key: i})
    } else if (typeof current === 'object' && current !== null) {
      const keys = Object.keys(current)
      if (keys.some((key) => !isWellFormed(key))) return `${pathOf(visit) || '(the value itself)'} (a member name)`
      for (let i = keys.length - 1; i >= 0; i--) stack.push({value: (current as Record<string, unknown>)[keys[i]], parent: visit, key: keys[i]})
    }
  }
  return undefined
}

interface Visit {
  value: unknown
  parent?: Visit
  key?: string | number
}

function pathOf(visit: Visit): string {
  const keys: (string | number)[] = []
  for (let at: Visit | undefined = visit; at?.parent; at = at.parent) keys.unshift(at.key!)
  return keys.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('')
}
