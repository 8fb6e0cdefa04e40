// How a request finds its operation (src/server/http/operation-routes.ts): fixed paths before
// templates, exact paths, parameters decoded, HEAD by GET, anything else to the next middleware.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Context} from 'koa'

import {OperationRoutes} from '../../src/server/http/operation-routes.js'

/** Routes `method path` and says which handler ran (or `next`) with which params. */
async function route(routes: OperationRoutes, method: string, path: string): Promise<{ran: string; params?: Record<string, string>}> {
  const ctx = {method, path, params: undefined} as unknown as Context & {params?: Record<string, string>; ran?: string}
  let ran = 'next'
  await routes.middleware()(ctx, async () => undefined)
  if (ctx.ran) ran = ctx.ran
  return ran === 'next' ? {ran} : {ran, params: ctx.params}
}

function table(): OperationRoutes {
  const routes = new OperationRoutes()
  const handler = (name: string) => async (ctx: Context) => void ((ctx as Context & {ran?: string}).ran = name)
  routes.add('GET', '/v1/jobs/{job_id}', handler('getJob'))
  routes.add('GET', '/v1/jobs/available', handler('getAvailableJob'))
  routes.add('POST', '/v1/jobs', handler('submitJob'))
  routes.add('GET', '/v1/jobs', handler('listJobs'))
  routes.add('POST', '/v1/jobs/{job_id}/cancel', handler('cancelJob'))
  return routes
}

describe('operation routes', () => {
  it('finds a fixed path by method, and a fixed path wins over a template defined before it', async () => {
    const routes = table()
    assert.deepEqual(await route(routes, 'POST', '/v1/jobs'), {ran: 'submitJob', params: {}})
    assert.deepEqual(await route(routes, 'GET', '/v1/jobs'), {ran: 'listJobs', params: {}})
    assert.deepEqual(await route(routes, 'GET', '/v1/jobs/available'), {ran: 'getAvailableJob', params: {}})
  })

  it('fills template parameters, percent-decoded, and keeps a segment that does not decode as sent', async () => {
    const routes = table()
    assert.deepEqual(await route(routes, 'GET', '/v1/jobs/job_01ABC'), {ran: 'getJob', params: {job_id: 'job_01ABC'}})
    assert.deepEqual(await route(routes, 'GET', '/v1/jobs/a%20b'), {ran: 'getJob', params: {job_id: 'a b'}})
    assert.deepEqual(await route(routes, 'GET', '/v1/jobs/bad%E0%A4%A'), {ran: 'getJob', params: {job_id: 'bad%E0%A4%A'}})
    assert.deepEqual(await route(routes, 'POST', '/v1/jobs/job_1/cancel'), {ran: 'cancelJob', params: {job_id: 'job_1'}})
  })

  it('answers HEAD with GET', async () => {
    assert.equal((await route(table(), 'HEAD', '/v1/jobs/job_1')).ran, 'getJob')
  })

  it('leaves to the next middleware (404, 405) a trailing slash, an empty parameter, another case, another method', async () => {
    const routes = table()
    for (const [method, path] of [
      ['POST', '/v1/jobs/'],
      ['GET', '/v1/jobs//cancel'],
      ['POST', '/V1/JOBS'],
      ['DELETE', '/v1/jobs'],
      ['PUT', '/v1/jobs/job_1'],
      ['GET', '/v1/jobs/job_1/cancel/more'],
    ]) {
      assert.deepEqual(await route(routes, method, path), {ran: 'next'}, `${method} ${path}`)
    }
  })

  it('refuses a method and path defined twice', () => {
    const routes = table()
    assert.throws(() => routes.add('GET', '/v1/jobs', async () => undefined), /GET \/v1\/jobs is routed twice/)
    assert.throws(() => routes.add('GET', '/v1/jobs/{id}', async () => undefined), /routed twice/)
  })
})
