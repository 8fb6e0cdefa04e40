// /health, /openapi.json and /docs: public, no key.
import Router from '@koa/router'

import {docsPage} from '../http/docs-page.js'
import type {Operations} from '../http/operations.js'
import {PACKAGE_VERSION} from '../version.js'

export function systemRoutes(ops: Operations): Router {
  const router = new Router()
  const html = docsPage(ops.contract)
  const openapi = ops.contract.document
  ops.define(router, 'getHealth', () => ({body: {status: 'ok', version: PACKAGE_VERSION}}))
  ops.define(router, 'getOpenApi', () => ({body: openapi}))
  ops.define(router, 'getDocs', () => ({html}))
  return router
}
