// The suite's JavaScript: every TypeScript file of src/, test/, bench/ and scripts/ transpiled one for one
// (esbuild, no bundling, inline source maps) into .test-build/, the same tree, so test/run-suite.mjs runs
// the tests with plain node. Under tsx each test process, and each node process a test starts, paid its
// loader (about a second of CPU) before the first test. Type checking stays with tsc (npm run build and
// npm run lint). The .mjs files of test/ are copied, so code found beside a module (node --import) still
// is; data files are not: tests find those from the package root (REPO_ROOT of test/helpers/cli.ts).
//
// Incremental: a file is transpiled again only when its content changed since the last run (hashes in
// .test-build/sources.json), and outputs whose source is gone are deleted. It lives inside the repo so
// node finds package.json ("type": "module") and node_modules above it.
//
//   node scripts/build-tests.mjs        (test/run-suite.mjs calls buildTests() itself)
import {createHash} from 'node:crypto'
import {copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {performance} from 'node:perf_hooks'

import {build, version} from 'esbuild'

export const ROOT = path.resolve(import.meta.dirname, '..')
export const OUT = path.join(ROOT, '.test-build')
const SOURCES = ['src', 'test', 'bench', 'scripts']
const SKIP = new Set(['node_modules', 'results'])
const MANIFEST = path.join(OUT, 'sources.json')
/** What every output depends on besides its source: a change here transpiles everything again. */
const OPTIONS = {format: 'esm', platform: 'node', target: 'node20', sourcemap: 'inline', keepNames: true}
const STAMP = JSON.stringify({esbuild: version, OPTIONS, script: hash(readFileSync(import.meta.filename))})

function hash(content) {
  return createHash('sha1').update(content).digest('hex')
}

function sourceFiles(dir) {
  return readdirSync(path.join(ROOT, dir), {withFileTypes: true}).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) return SKIP.has(entry.name) ? [] : sourceFiles(file)
    if (entry.name.endsWith('.d.ts')) return []
    return /\.(ts|mjs)$/.test(entry.name) ? [file] : []
  })
}

/** Where a source's output goes: .ts becomes .js, the rest keep their name. */
export function outputOf(source) {
  return path.join(OUT, source.replace(/\.ts$/, '.js'))
}

function readManifest() {
  try {
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'))
    return manifest.stamp === STAMP ? manifest.files : {}
  } catch {
    return {}
  }
}

/** Brings .test-build/ up to date; returns how many files it transpiled or copied. */
export async function buildTests() {
  const before = readManifest()
  const files = {}
  const changed = []
  for (const source of SOURCES.flatMap(sourceFiles)) {
    files[source] = hash(readFileSync(path.join(ROOT, source)))
    if (before[source] !== files[source] || !existsSync(outputOf(source))) changed.push(source)
  }
  for (const source of Object.keys(before)) if (!(source in files)) rmSync(outputOf(source), {force: true})

  const typescript = changed.filter((source) => source.endsWith('.ts'))
  if (typescript.length > 0) {
    await build({
      ...OPTIONS,
      entryPoints: typescript.map((source) => path.join(ROOT, source)),
      outbase: ROOT,
      outdir: OUT,
      bundle: false,
      tsconfig: path.join(ROOT, 'tsconfig.json'),
      logLevel: 'warning',
    })
  }
  for (const source of changed.filter((source) => !source.endsWith('.ts'))) {
    mkdirSync(path.dirname(outputOf(source)), {recursive: true})
    copyFileSync(path.join(ROOT, source), outputOf(source))
  }
  mkdirSync(OUT, {recursive: true})
  writeFileSync(MANIFEST, JSON.stringify({stamp: STAMP, files}))
  return changed.length
}

if (process.argv[1] === import.meta.filename) {
  const started = performance.now()
  const count = await buildTests()
  process.stdout.write(`.test-build: ${count} file(s) transpiled or copied in ${Math.round(performance.now() - started)} ms\n`)
}
