// /health, /openapi.json and /docs: public, no key.
import {notFound} from '../http/api-error.js'
import {DOCS_ASSET_HEADERS, docsAsset} from '../http/docs-assets.js'
import {DOCS_PAGE_HEADERS, docsPage} from '../http/docs-page.js'
import type {Operations} from '../http/operations.js'
import {PACKAGE_VERSION} from '../version.js'

/** Retry-After of /health and of writes while the store cannot write: the store retries every few seconds. */
const WRITE_RETRY_AFTER_SECONDS = 5

export function systemRoutes(ops: Operations, store: {writeFailure(): string | undefined}): void {
  const html = docsPage(ops.contract)
  const openapi = ops.contract.document
  ops.define('getHealth', () => {
    const reason = store.writeFailure()
    if (reason === undefined) return {body: {status: 'ok', version: PACKAGE_VERSION}}
    return {status: 503, headers: {'Retry-After': String(WRITE_RETRY_AFTER_SECONDS)}, body: {status: 'unavailable', version: PACKAGE_VERSION, reason}}
  })
  ops.define('getOpenApi', () => ({body: openapi}))
  ops.define('getDocs', () => ({html, headers: DOCS_PAGE_HEADERS}))
  ops.define('getDocsAsset', async ({params}) => {
    const asset = docsAsset(String(params.asset))
    if (!asset) throw notFound(`no such file of the documentation page: ${String(params.asset)}`)
    return {...(await asset), headers: DOCS_ASSET_HEADERS}
  })
}
