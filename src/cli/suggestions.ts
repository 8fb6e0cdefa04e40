// "Did you mean …?" for a mistyped flag or command: the one rule for what counts as close.

/**
 * Names close to what was typed, closest first: at most 1 edit (2 for 4+ letters), or typed as a
 * prefix; case aside (`JOBS` is close to `jobs`).
 */
export function closeNames(typed: string, names: Iterable<string>): string[] {
  const limit = typed.length >= 4 ? 2 : 1
  const lower = typed.toLowerCase()
  const scored = [...new Set(names)]
    .map((name) => ({name, distance: name.startsWith(lower) && lower.length >= 2 ? 0 : editDistance(lower, name.toLowerCase())}))
    .filter(({distance}) => distance <= limit)
  return scored.sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name)).map(({name}) => name)
}

/** Levenshtein distance: insertions, deletions and substitutions of one character. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = current
  }
  return previous[b.length]
}
