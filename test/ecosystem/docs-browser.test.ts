// /docs in a real browser: headless Chromium, driven by playwright-core, against the real
// coordinator. Chromium is AITBC_CHROMIUM, else the first of the usual paths; without one the test
// is skipped with the install command, except under CI (.ci/run installs it), where that fails.
// Every operation of the seed document is listed, `GET /health` tried from the page answers ok, and
// the page loads nothing from anywhere but the coordinator. Leaves screenshots in test-output/
// (docs-overview.png, docs-try-health.png) for people to look at.
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, it} from 'node:test'

import {chromium, type BrowserContext, type Page} from 'playwright-core'
import {parse} from 'yaml'

import {REPO_ROOT} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'

const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium']
const INSTALL = 'apt-get install chromium'
const SCREENSHOTS = path.join(REPO_ROOT, 'test-output')
const METHODS = ['get', 'post', 'put', 'patch', 'delete']

/** `GET /v1/jobs`, ... for every operation of an OpenAPI document. */
function operationsOf(document: {paths: Record<string, Record<string, unknown>>}): string[] {
  return Object.entries(document.paths).flatMap(([route, item]) =>
    METHODS.filter((method) => method in item).map((method) => `${method.toUpperCase()} ${route}`),
  )
}

/** Every operation of the seed API reference (AITBC Coordinator API 1.0.0) the coordinator was built from. */
const SEED_OPERATIONS = [
  'GET /health', 'GET /v1/jobs', 'POST /v1/jobs', 'GET /v1/jobs/{job_id}', 'POST /v1/jobs/{job_id}/cancel', 'GET /v1/jobs/available',
  'POST /v1/jobs/{job_id}/claim', 'POST /v1/jobs/{job_id}/complete', 'POST /v1/miners/register', 'GET /v1/receipts',
  'GET /v1/receipts/{receipt_id}', 'GET /explorer/blocks', 'GET /explorer/transactions', 'GET /explorer/receipts', 'GET /explorer/stats',
]

/** The browser to drive: AITBC_CHROMIUM when set (and it must exist), else the first usual path that does. */
function findChromium(): string | undefined {
  const chosen = process.env.AITBC_CHROMIUM
  if (chosen) {
    assert.ok(existsSync(chosen), `AITBC_CHROMIUM=${chosen} does not exist`)
    return chosen
  }
  return CHROMIUM_PATHS.find((candidate) => existsSync(candidate))
}

const CHROMIUM = findChromium()
const MISSING = `no Chromium found (AITBC_CHROMIUM, ${CHROMIUM_PATHS.join(', ')}); install it with \`${INSTALL}\``
/** Skipped without a browser, except under CI, where before() fails with the same message. */
const skip = CHROMIUM || process.env.CI ? false : MISSING

let server: TestServer
let context: BrowserContext
let page: Page
let profileDir: string
const problems: string[] = []
const foreignRequests: string[] = []

/**
 * Chromium's start and each page action: a second or two on an idle machine, 10 s and more on a 2-core
 * one running two suites (a page load took over 10 s there).
 */
const BROWSER_TIMEOUT_MS = 60_000

before(async () => {
  if (!CHROMIUM) assert.fail(`${MISSING} (.ci/run does)`)
  mkdirSync(SCREENSHOTS, {recursive: true})
  server = await startTestServer()
  profileDir = mkdtempSync(path.join(tmpdir(), 'aitbc-chromium-'))
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: {width: 1280, height: 900},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: BROWSER_TIMEOUT_MS,
  })
  page = context.pages()[0] ?? (await context.newPage())
  page.setDefaultTimeout(BROWSER_TIMEOUT_MS)
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

it('lists every operation of the seed and of the contract', {skip}, async () => {
  const listed = await page.locator('.opblock').evaluateAll((blocks) =>
    blocks.map((block) => {
      const method = block.querySelector('.opblock-summary-method')?.textContent?.trim() ?? ''
      const route = block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? ''
      return `${method} ${route}`
    }),
  )
  const contract = operationsOf(parse(readFileSync(path.join(REPO_ROOT, 'openapi', 'aitbc.yaml'), 'utf8')))
  for (const operation of [...SEED_OPERATIONS, ...contract]) assert.ok(listed.includes(operation), `${operation} is not on the page; listed: ${listed.join(', ')}`)
  await page.screenshot({path: path.join(SCREENSHOTS, 'docs-overview.png')})
})

it('tries GET /health from the page and shows the ok answer', {skip}, async () => {
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

it('loads and calls nothing outside the coordinator, without errors', {skip}, () => {
  assert.deepEqual(foreignRequests, [])
  assert.deepEqual(problems, [])
})
