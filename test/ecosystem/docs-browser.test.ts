// /docs in a real browser: Debian's headless Chromium, driven by playwright-core, against the real
// coordinator. Every operation of the seed document is listed, `GET /health` tried from the page
// answers ok, and the page loads nothing from anywhere but the coordinator. Leaves screenshots in
// test-output/ (docs-overview.png, docs-try-health.png) for people to look at.
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, it} from 'node:test'

import {chromium, type BrowserContext, type Page} from 'playwright-core'
import {parse} from 'yaml'

import {REPO_ROOT} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {sharedPath} from '../helpers/shared.js'

const CHROMIUM = '/usr/bin/chromium'
const SCREENSHOTS = path.join(REPO_ROOT, 'test-output')
const METHODS = ['get', 'post', 'put', 'patch', 'delete']

/** `GET /v1/jobs`, ... for every operation of an OpenAPI document. */
function operationsOf(document: {paths: Record<string, Record<string, unknown>>}): string[] {
  return Object.entries(document.paths).flatMap(([route, item]) =>
    METHODS.filter((method) => method in item).map((method) => `${method.toUpperCase()} ${route}`),
  )
}

/** The seed's operations, read from the OpenAPI block of shared/spec/api-reference.md. */
function seedOperations(): string[] {
  const text = readFileSync(sharedPath('spec/api-reference.md'), 'utf8')
  const start = text.indexOf('openapi: 3.0.3')
  const end = text.indexOf('\nInteractive Documentation', start)
  assert.ok(start >= 0 && end > start, 'the seed document still holds its OpenAPI block')
  return operationsOf(parse(text.slice(start, end)))
}

let server: TestServer
let context: BrowserContext
let page: Page
let profileDir: string
const problems: string[] = []
const foreignRequests: string[] = []

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` (.ci/run does)`)
  mkdirSync(SCREENSHOTS, {recursive: true})
  server = await startTestServer()
  profileDir = mkdtempSync(path.join(tmpdir(), 'aitbc-chromium-'))
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: {width: 1280, height: 900},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 20_000,
  })
  page = context.pages()[0] ?? (await context.newPage())
  page.setDefaultTimeout(10_000)
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`))
  page.on('request', (request) => new URL(request.url()).origin !== server.url && foreignRequests.push(request.url()))
  await page.goto(`${server.url}/docs`)
  await page.locator('.opblock').first().waitFor()
})

after(async () => {
  await context?.close()
  await server?.close()
  if (profileDir) rmSync(profileDir, {recursive: true, force: true})
})

it('lists every operation of the seed and of the contract', async () => {
  const listed = await page.locator('.opblock').evaluateAll((blocks) =>
    blocks.map((block) => {
      const method = block.querySelector('.opblock-summary-method')?.textContent?.trim() ?? ''
      const route = block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? ''
      return `${method} ${route}`
    }),
  )
  const seed = seedOperations()
  assert.ok(seed.length >= 15, `the seed has its operations: ${seed.join(', ')}`)
  const contract = operationsOf(parse(readFileSync(path.join(REPO_ROOT, 'openapi', 'aitbc.yaml'), 'utf8')))
  for (const operation of [...seed, ...contract]) assert.ok(listed.includes(operation), `${operation} is not on the page; listed: ${listed.join(', ')}`)
  await page.screenshot({path: path.join(SCREENSHOTS, 'docs-overview.png')})
})

it('tries GET /health from the page and shows the ok answer', async () => {
  const health = page.locator('#operations-System-getHealth')
  await health.locator('.opblock-summary').click()
  await health.locator('button.try-out__btn').click()
  await health.locator('button.execute').click()
  const response = health.locator('.live-responses-table .response').first()
  await response.waitFor()
  assert.equal((await response.locator('.response-col_status').textContent())?.trim(), '200')
  const body = JSON.parse((await response.locator('.response-col_description pre').first().textContent()) ?? '')
  assert.equal(body.status, 'ok')
  // "Try it out" went to the coordinator that served the page, not to the contract's default server.
  assert.equal((await health.locator('.request-url pre').textContent())?.trim(), `${server.url}/health`)
  await health.scrollIntoViewIfNeeded()
  await page.screenshot({path: path.join(SCREENSHOTS, 'docs-try-health.png')})
})

it('loads and calls nothing outside the coordinator, without errors', () => {
  assert.deepEqual(foreignRequests, [])
  assert.deepEqual(problems, [])
})
