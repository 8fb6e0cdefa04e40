// Receipts as their client, their provider's principal, or an admin sees them.
import {principalOf, type Operations} from '../http/operations.js'
import type {ReceiptService} from '../receipts/receipt-service.js'

export function receiptRoutes(ops: Operations, receipts: ReceiptService): void {
  ops.define('listReceipts', async (request) => ({body: await receipts.list(principalOf(request), request.query)}))
  ops.define('getReceipt', async (request) => ({body: await receipts.get(principalOf(request), request.params.receipt_id)}))
}
