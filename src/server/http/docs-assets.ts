// The files /docs/{asset} serves: a fixed list from the swagger-ui-dist package plus the page's own
// initialiser. Nothing else is reachable, so no path from the URL ever touches the file system. Files
// are read on first request and kept in memory.
import {readFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import path from 'node:path'

import {DOCS_INIT_SCRIPT} from './docs-page.js'

export interface DocsAsset {
  type: string
  content: string | Buffer
}

/** Vendor files change only with the package; an hour of caching spares reloading 1.7 MB per visit. */
export const DOCS_ASSET_HEADERS: Record<string, string> = {'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff'}

const JS = 'text/javascript; charset=utf-8'
const VENDOR_FILES: Record<string, string> = {
  'swagger-ui-bundle.js': JS,
  'swagger-ui.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
}

const vendorDir = () => path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
const loaded = new Map<string, Promise<DocsAsset>>([['aitbc-docs.js', Promise.resolve({type: JS, content: DOCS_INIT_SCRIPT})]])

/** The asset by its file name, or undefined when the page has no such file. */
export function docsAsset(name: string): Promise<DocsAsset> | undefined {
  let asset = loaded.get(name)
  if (!asset && Object.hasOwn(VENDOR_FILES, name)) {
    asset = readFile(path.join(vendorDir(), name)).then((content) => ({type: VENDOR_FILES[name], content}))
    // A failed read is not cached, so a fixed installation is picked up without a restart.
    asset.catch(() => loaded.delete(name))
    loaded.set(name, asset)
  }
  return asset
}
