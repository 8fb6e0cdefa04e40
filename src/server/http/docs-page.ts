// /docs: a plain HTML index of the operations, generated from the contract (no scripts, no CDN).
import type {Contract} from './contract.js'

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export function docsPage(contract: Contract): string {
  const info = contract.document.info as {title: string; version: string}
  const paths = contract.document.paths as Record<string, Record<string, {summary?: string}>>
  const rows = [...contract.operations.values()].map((op) => {
    const who = op.roles ? op.roles.join(', ') : 'public'
    const summary = paths[op.path][op.method.toLowerCase()].summary ?? ''
    return `<tr><td><code>${op.method}</code></td><td><code>${escapeHtml(op.path)}</code></td><td>${escapeHtml(summary)}</td><td>${who}</td></tr>`
  })
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(info.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}td,th{padding:.25rem .75rem;text-align:left}</style></head>
<body><h1>${escapeHtml(info.title)} ${escapeHtml(info.version)}</h1>
<p>The full contract: <a href="/openapi.json">/openapi.json</a>. Send keys in the <code>X-Api-Key</code> header.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Summary</th><th>Roles</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></body></html>
`
}
