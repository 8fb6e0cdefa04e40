// Lists paged by a cursor: `before` names the last item of the previous page, and the answer's
// X-Next-Before names the next page's while more items follow. An item added meanwhile is newer than
// every cursor, so it shifts no page (offsets did: an item listed twice, or skipped).
import {badRequest} from './api-error.js'

/** The answer header naming the `before` of the next page (the last id shown), while more items follow. */
export function nextBefore(lastShown: string | undefined): Record<string, string> {
  return lastShown === undefined ? {} : {'X-Next-Before': lastShown}
}

/**
 * One page of a list: `list` is asked for one item past `limit`, which tells whether more follow without
 * a count. `list` answers undefined for a cursor that is not one of the list's, a 400 here that says
 * nothing more (one that does not exist and another caller's are answered alike).
 */
export async function pageFromCursor<T>(query: {limit: number; before?: string}, noun: string, list: (limit: number) => Promise<T[] | undefined>): Promise<{items: T[]; more: boolean}> {
  const listed = await list(query.limit + 1)
  if (!listed) throw badRequest(`query parameter before: ${query.before} is not a ${noun} of this list; pass the ${noun}_id of the last ${noun} of a page`)
  return {items: listed.slice(0, query.limit), more: listed.length > query.limit}
}
