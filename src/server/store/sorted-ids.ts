// Ids kept in ascending order of a numeric key (the order jobs were submitted in). Appending a newer id
// is O(1); inserting an older one (a requeued job) or removing one is a binary search plus a splice.

export class SortedIds {
  private readonly keys: number[] = []
  private readonly ids: string[] = []

  get size(): number {
    return this.ids.length
  }

  insert(key: number, id: string): void {
    const last = this.keys.length - 1
    if (last < 0 || key > this.keys[last]) {
      this.keys.push(key)
      this.ids.push(id)
      return
    }
    const at = lowerBound(this.keys, key)
    if (this.keys[at] === key) return
    this.keys.splice(at, 0, key)
    this.ids.splice(at, 0, id)
  }

  remove(key: number): void {
    const at = lowerBound(this.keys, key)
    if (this.keys[at] !== key) return
    this.keys.splice(at, 1)
    this.ids.splice(at, 1)
  }

  /** The lowest-keyed id that `skip` does not reject. */
  first(skip?: (id: string) => boolean): {key: number; id: string} | undefined {
    for (let i = 0; i < this.ids.length; i++) if (!skip?.(this.ids[i])) return {key: this.keys[i], id: this.ids[i]}
    return undefined
  }

  /** Every id, from the lowest key up. */
  ascending(): readonly string[] {
    return this.ids
  }

  /** Ids from the highest key down (from the highest below `below`, if given), skipping `offset`, at most `limit`. */
  newestFirst(offset: number, limit: number, below?: number): string[] {
    const out: string[] = []
    const start = below === undefined ? this.ids.length : lowerBound(this.keys, below)
    for (let i = start - 1 - offset; i >= 0 && out.length < limit; i--) out.push(this.ids[i])
    return out
  }
}

/** The first place in ascending `keys` whose key is not below `key` (keys.length when none): where a page below `key` starts. */
export function lowerBound(keys: readonly number[], key: number): number {
  let low = 0
  let high = keys.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (keys[mid] < key) low = mid + 1
    else high = mid
  }
  return low
}
