// /docs over plain HTTP: every file the page refers to is served with its type, nothing else is, and
// the page's Content-Security-Policy allows only this origin.
import assert from 'node:assert/strict'
import {after, before, it} from 'node:test'

import {startTestServer, type TestServer} from '../helpers/server.js'

let server: TestServer
before(async () => (server = await startTestServer()))
after(() => server.close())

it('serves the page with a policy that allows nothing but this origin', async () => {
  const res = await fetch(`${server.url}/docs`)
  assert.equal(res.status, 200)
  const policy = res.headers.get('content-security-policy') ?? ''
  assert.match(policy, /default-src 'none'/)
  assert.match(policy, /script-src 'self';/)
  assert.match(policy, /connect-src 'self';/)
})

it('serves every file the page refers to, with its content type', async () => {
  const page = await (await fetch(`${server.url}/docs`)).text()
  const files = [...page.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((match) => match[1])
  assert.deepEqual(files.sort(), ['/docs/aitbc-docs.js', '/docs/favicon-32x32.png', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css'])
  const expected: Record<string, RegExp> = {js: /^text\/javascript/, css: /^text\/css/, png: /^image\/png$/}
  for (const file of files) {
    const res = await fetch(`${server.url}${file}`)
    assert.equal(res.status, 200, file)
    assert.match(res.headers.get('content-type') ?? '', expected[file.split('.').pop()!], file)
    assert.ok((await res.arrayBuffer()).byteLength > 0, file)
  }
})

it('answers 404 not_found for any other name, without touching the file system', async () => {
  for (const name of ['index.html', 'package.json', '..%2Fpackage.json', '..%2F..%2Fopenapi%2Faitbc.yaml', 'constructor', 'swagger-ui.js.map']) {
    const res = await server.request<{error_code: string}>(`/docs/${name}`)
    assert.equal(res.status, 404, name)
    assert.equal(res.body.error_code, 'not_found', name)
  }
})
