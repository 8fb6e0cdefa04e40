// /health, /openapi.json and /docs: public, no key.
import Router from '@koa/router'

import {notFound} from '../http/api-error.js'
import {DOCS_ASSET_HEADERS, docsAsset} from '../http/docs-assets.js'
import {DOCS_PAGE_HEADERS, docsPage} from '../http/docs-page.js'
import type {Operations} from '../http/operations.js'
import {PACKAGE_VERSION} from '../version.js'

export function systemRoutes(ops: Operations): Router {
  const router = new Router()
  const html = docsPage(ops.contract)
  const openapi = ops.contract.document
  ops.define(router, 'getHealth', () => ({body: {status: 'ok', version: PACKAGE_VERSION}}))
  ops.define(router, 'getOpenApi', () => ({body: openapi}))
  ops.define(router, 'getDocs', () => ({html, headers: DOCS_PAGE_HEADERS}))
  ops.define(router, 'getDocsAsset', async ({params}) => {
    const asset = docsAsset(String(params.asset))
    if (!asset) throw notFound(`no such file of the documentation page: ${String(params.asset)}`)
    return {...(await asset), headers: DOCS_ASSET_HEADERS}
  })
  return router
}
