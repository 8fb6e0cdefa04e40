import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {ReceiptChecker} from '../../src/verify/receipt-checker.js'
import {verifyReceiptStream} from '../../src/verify/receipt-run.js'
import type {ReceiptText} from '../../src/verify/receipt-sources.js'
import type {ReceiptVerdict} from '../../src/verify/verdict.js'

/** A checker whose answers arrive out of order, and which counts how many checks are open at once. */
function slowChecker(): {checker: ReceiptChecker; maxOpen: () => number} {
  let open = 0
  let max = 0
  const checker = {
    async check(text: string): Promise<ReceiptVerdict> {
      open++
      max = Math.max(max, open)
      const n = Number(text)
      await new Promise((resolve) => setTimeout(resolve, n % 3))
      open--
      return n % 5 === 0 ? {receipt_id: text, ok: false, reason: 'bad_signature'} : {receipt_id: text, ok: true}
    },
  } as unknown as ReceiptChecker
  return {checker, maxOpen: () => max}
}

async function* batches(count: number): AsyncGenerator<ReceiptText[]> {
  for (let i = 0; i < count; i += 7) yield Array.from({length: Math.min(7, count - i)}, (_, j) => ({source: `s:${i + j}`, text: String(i + j)}))
}

describe('verifyReceiptStream', () => {
  it('reports in input order, keeps at most the window open, and sums up', async () => {
    const {checker, maxOpen} = slowChecker()
    const seen: string[] = []
    const summary = await verifyReceiptStream(batches(200), checker, (source) => seen.push(source), 16)
    assert.deepEqual(seen, Array.from({length: 200}, (_, i) => `s:${i}`))
    assert.ok(maxOpen() <= 16 && maxOpen() > 1, `max open ${maxOpen()}`)
    assert.deepEqual(summary, {total: 200, ok: 160, failed: 40, reasons: {bad_signature: 40}})
  })
})
