// Every page of a list the coordinator pages by a cursor (jobs, receipts): each page starts before the
// last item of the one before (`before`), so items added while paging, being newer than every such
// cursor, shift no page and none is listed twice (paging by offset listed one twice per item added).
import {listJobs, listReceipts, type Page} from './calls.js'
import {type ApiClient, type Job, MAX_PAGE_SIZE, type Receipt, type Schemas} from './client.js'

/** A bound on following pages, so a list that keeps growing cannot page forever. */
export const MAX_PAGES = 100

export interface AllPages<T> {
  items: T[]
  /** True when MAX_PAGES were read and more may remain. */
  truncated: boolean
}

/** A coordinator listed an item twice while paging by `before`: one older than `before`, which it ignores. */
export class RepeatedItemError extends Error {
  constructor(readonly id: string) {
    super(`the coordinator listed ${id} twice while paging`)
    this.name = 'RepeatedItemError'
  }
}

/** Follows a list's pages of MAX_PAGE_SIZE from its newest item; `page` asks for the one before `before`. */
export async function followPages<T>(page: (query: {limit: number; before?: string}) => Promise<Page<T>>, idOf: (item: T) => string): Promise<AllPages<T>> {
  const items: T[] = []
  const seen = new Set<string>()
  let before: string | undefined
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const answer = await page({limit: MAX_PAGE_SIZE, ...(before ? {before} : {})})
    for (const item of answer.items) {
      const id = idOf(item)
      if (seen.has(id)) throw new RepeatedItemError(id)
      seen.add(id)
      items.push(item)
    }
    // Without X-Next-Before (a coordinator older than it), a full page may have more after it.
    before = answer.next ?? (answer.items.length === MAX_PAGE_SIZE ? idOf(answer.items.at(-1)!) : undefined)
    if (before === undefined) return {items, truncated: false}
  }
  return {items, truncated: true}
}

/** Every job the key may see, newest first. */
export function listAllJobs(client: ApiClient, status?: Schemas['JobStatus']): Promise<AllPages<Job>> {
  return followPages((query) => listJobs(client, {...query, ...(status ? {status} : {})}), (job) => job.job_id)
}

/** Every receipt the key may see (narrowed by `client` and `provider`), newest first. */
export function listAllReceipts(client: ApiClient, filters: {client?: string; provider?: string}): Promise<AllPages<Receipt>> {
  return followPages((query) => listReceipts(client, {...filters, ...query}), (receipt) => receipt.receipt_id)
}
