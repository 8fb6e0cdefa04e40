// A file of the installed package (package.json, openapi/aitbc.yaml), found from wherever this code runs:
// src/server under tsx, or a chunk of the CLI bundle in dist/ (scripts/bundle-cli.ts), whose depth is
// the bundler's choice. The nearest package.json above is the package's own.
import {existsSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

let root: string | undefined

export function packageFile(relative: string): string {
  root ??= findRoot(dirname(fileURLToPath(import.meta.url)))
  return join(root, relative)
}

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`)
  }
}
