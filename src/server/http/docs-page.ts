// /docs: Swagger UI over /openapi.json, every file served by the coordinator itself (no CDN). The
// Content-Security-Policy keeps it that way: the page can load and call nothing but this origin.
import type {Contract} from './contract.js'

/** Served as /docs/aitbc-docs.js: loads the contract and points "Try it out" at this coordinator. */
export const DOCS_INIT_SCRIPT = `// Renders /openapi.json with Swagger UI; requests go to the origin that served this page.
fetch('/openapi.json')
  .then((response) => {
    if (!response.ok) throw new Error('GET /openapi.json answered ' + response.status)
    return response.json()
  })
  .then((spec) => {
    spec.servers = [{url: window.location.origin, description: 'This coordinator'}]
    window.ui = SwaggerUIBundle({spec, dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null, displayRequestDuration: true})
  })
  .catch((error) => {
    document.getElementById('swagger-ui').textContent = 'Could not load the API description: ' + error.message
  })
`

export const DOCS_PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export function docsPage(contract: Contract): string {
  const info = contract.document.info as {title: string; version: string}
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(`${info.title} ${info.version}`)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body><div id="swagger-ui"><noscript>This page needs JavaScript; the contract itself is at <a href="/openapi.json">/openapi.json</a>.</noscript></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/aitbc-docs.js"></script>
</body></html>
`
}
