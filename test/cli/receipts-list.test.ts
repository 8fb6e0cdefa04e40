// `aitbc receipts list` pages: --before from the note under a page, --all across pages while receipts
// are issued between them, and the refusals of a cursor that is not one of the list's.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import type {Receipt} from '../../src/client/client.js'
import type {AsyncStore} from '../../src/server/store/async-store.js'
import {aitbc, assertExit, json} from './aitbc.js'
import {Coordinator} from './coordinator.js'

const RECEIPTS = 101 // one more than a page of 100

describe('aitbc receipts list pages', () => {
  let coord: Coordinator
  let store: AsyncStore
  let newestFirst: string[]
  before(async () => {
    coord = await Coordinator.start()
    store = coord.server.app.coordinator.store
    const receipts: string[] = []
    for (let i = 0; i < RECEIPTS; i++) receipts.push((await coord.completedJob(`job ${i}`, `result ${i}`)).receipt.receipt_id)
    newestFirst = receipts.reverse()
  })
  after(() => coord.close())

  it('--before pages from the last id of a page, which a note gives while more follow', async () => {
    const first = await aitbc(['receipts', 'list', '--limit', '3'], {env: coord.env()})
    assertExit(first, 0)
    assert.match(first.stderr, new RegExp(`More receipts follow: the next page is --before ${newestFirst[2]}\\.`))
    const second = json<Receipt[]>(await aitbc(['receipts', 'list', '--limit', '3', '--before', newestFirst[2], '--json'], {env: coord.env()}))
    assert.deepEqual(second.map((receipt) => receipt.receipt_id), newestFirst.slice(3, 6))
    const last = await aitbc(['receipts', 'list', '--limit', '3', '--before', newestFirst.at(-2)!], {env: coord.env()})
    assert.doesNotMatch(last.stderr, /More receipts follow/)
    assert.equal(last.stdout.trimEnd().split('\n').length, 2)
  })

  it('--all lists each receipt of its start once while receipts are issued between its pages', async () => {
    const original = store.listReceipts
    let pages = 0
    store.listReceipts = async (query) => {
      const page = await original.call(store, query)
      pages++
      await coord.completedJob(`issued after page ${pages}`, 'later')
      return page
    }
    let listed: Receipt[]
    try {
      listed = json<Receipt[]>(await aitbc(['receipts', 'list', '--all', '--json'], {env: coord.env()}))
    } finally {
      store.listReceipts = original
    }
    assert.equal(pages, 2)
    assert.deepEqual(listed.map((receipt) => receipt.receipt_id), newestFirst)
  })

  it('a cursor that is not one of the list, an empty or shortened one, or --all with a page flag, is a usage error', async () => {
    const unknown = await aitbc(['receipts', 'list', '--before', 'rcpt_01KBQ4Y0Z8G6W3T0M7N5C2H1XA'], {env: coord.env()})
    assertExit(unknown, 2)
    assert.match(unknown.stderr, /before: rcpt_01KBQ4Y0Z8G6W3T0M7N5C2H1XA is not a receipt of this list/)
    const other = await aitbc(['receipts', 'list', '--provider', 'nobody', '--before', newestFirst[0]], {env: coord.env()})
    assertExit(other, 2)
    const empty = await aitbc(['receipts', 'list', '--before', ''], {env: coord.env()})
    assertExit(empty, 2)
    assert.match(empty.stderr, /The receipt id of --before is empty/)
    const shortened = await aitbc(['receipts', 'list', '--before', 'rcpt_01K…2H1XA'], {env: coord.env()})
    assertExit(shortened, 2)
    assert.match(shortened.stderr, /is shortened/)
    const both = await aitbc(['receipts', 'list', '--all', '--before', newestFirst[0]], {env: coord.env()})
    assertExit(both, 2)
    assert.match(both.stderr, /--before.*cannot also be provided when using --all|--all.*--before/)
  })

  it('--all stops with an error, not a page repeated, at a coordinator that ignores before (one older than it)', async () => {
    const original = store.listReceipts
    store.listReceipts = (query) => original.call(store, {...query, before: undefined})
    try {
      const result = await aitbc(['receipts', 'list', '--all', '--json'], {env: coord.env()})
      assertExit(result, 1)
      assert.match(result.stdout, /listed receipt rcpt_\w+ twice: it does not page by --before/)
    } finally {
      store.listReceipts = original
    }
  })
})
