// What `jobs list` and `receipts list` say about pages alike: --all's limits and errors, and the note
// that names the next page.
import {Flags} from '@oclif/core'

import {type AllPages, MAX_PAGES, RepeatedItemError} from '../client/pages.js'
import {CliError} from './errors.js'
import {checkedId} from './id-args.js'

/** `--before ID`: the last id of the previous page, refused before any request when empty or shortened by a table. */
export function beforeFlag(noun: string, verb: string) {
  return Flags.string({summary: `Only ${noun}s ${verb} before this ${noun}: the last id of the previous page.`, parse: async (input) => checkedId(`${noun} id of --before`, input)})
}

/** Every page of a list (`--all`): the items, and a note when MAX_PAGES were read; `narrow` names the flags that make it shorter. */
export async function allPages<T>(listing: Promise<AllPages<T>>, noun: string, narrow: string, note: (text: string) => void): Promise<T[]> {
  const listed = await listing.catch((error: unknown) => {
    if (!(error instanceof RepeatedItemError)) throw error
    throw new CliError(`The coordinator listed ${noun} ${error.id} twice: it does not page by --before (it is older than this aitbc).`, {
      hint: 'Page with --limit and --offset instead.',
    })
  })
  if (listed.truncated) note(`Stopped after ${MAX_PAGES} pages (${listed.items.length} ${noun}s); narrow it with ${narrow}.`)
  return listed.items
}

/** The note under a page that more follow: the flag for the next one. */
export function nextPageNote(noun: string, next: string): string {
  return `More ${noun}s follow: the next page is --before ${next}.`
}
