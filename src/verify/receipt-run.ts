// Verifies a stream of receipts with many signature checks in flight on the thread pool, and reports
// each verdict in input order. At most `window` receipts are held at a time, whatever the input size.
import type {ReceiptChecker} from './receipt-checker.js'
import type {ReceiptText} from './receipt-sources.js'
import {addToSummary, emptySummary, type ReceiptVerdict, type VerifySummary} from './verdict.js'

export const DEFAULT_WINDOW = 32

export async function verifyReceiptStream(
  batches: AsyncIterable<ReceiptText[]>,
  checker: ReceiptChecker,
  report: (source: string, verdict: ReceiptVerdict) => void,
  window = DEFAULT_WINDOW,
): Promise<VerifySummary> {
  const summary = emptySummary()
  const pending: {source: string; verdict: Promise<ReceiptVerdict>}[] = []
  let head = 0
  const emitOldest = async () => {
    const {source, verdict} = pending[head]
    pending[head++] = undefined as never
    const result = await verdict
    addToSummary(summary, result)
    report(source, result)
  }
  for await (const batch of batches) {
    for (const {source, text} of batch) {
      pending.push({source, verdict: checker.check(text)})
      if (pending.length - head >= window) {
        await emitOldest()
        // Drop emitted slots now and then, so the queue stays as small as the window.
        if (head >= window) {
          pending.splice(0, head)
          head = 0
        }
      }
    }
  }
  while (head < pending.length) await emitOldest()
  return summary
}
