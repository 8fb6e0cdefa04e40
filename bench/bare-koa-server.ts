// The baseline for the HTTP rows: Koa with @koa/router on Node's http server (the usual Koa stack; the
// coordinator finds its operations in a table of its own instead, src/server/http/operation-routes.ts)
// with one JSON POST route that reads the body, parses it, and answers 201 with a small JSON document,
// and nothing else. Whatever the coordinator does beyond this is what the ratio measures.
//
//   node --import tsx bench/bare-koa-server.ts     (prints `listening on http://127.0.0.1:PORT`)
import {once} from 'node:events'
import type {AddressInfo} from 'node:net'

import Router from '@koa/router'
import Koa from 'koa'

let next = 0
const router = new Router()
router.post('/v1/jobs', async (ctx) => {
  const chunks: Buffer[] = []
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) chunks.push(chunk)
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {prompt?: unknown}
  ctx.status = 201
  ctx.type = 'application/json'
  ctx.body = JSON.stringify({job_id: `job_${++next}`, status: 'pending', prompt: body.prompt, created_at: new Date().toISOString()})
})

const app = new Koa()
app.use(router.routes())
const server = app.listen(0, '127.0.0.1')
await once(server, 'listening')
console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
process.once('SIGTERM', () => {
  server.close(() => process.exit(0))
  server.closeAllConnections()
})
