// Receipts as their client, their provider's principal, or an admin sees them.
import {nextBefore, pageFromCursor} from '../http/cursor-page.js'
import {principalOf, type Operations} from '../http/operations.js'
import type {ReceiptService} from '../receipts/receipt-service.js'

export function receiptRoutes(ops: Operations, receipts: ReceiptService): void {
  ops.define('listReceipts', async (request) => {
    const page = await pageFromCursor(request.query, 'receipt', (limit) => receipts.list(principalOf(request), {...request.query, limit}))
    return {body: page.items, headers: nextBefore(page.more ? page.items.at(-1)!.receipt_id : undefined)}
  })
  ops.define('getReceipt', async (request) => ({body: await receipts.get(principalOf(request), request.params.receipt_id)}))
}
