// `npm run build`: the CLI as a few ES modules instead of some 300 files. Loading modules was most of a
// cold start (a profile of `aitbc receipts verify` spent more time resolving, reading and compiling
// @oclif/core's CommonJS files than running the command); one bundle with code splitting keeps a
// command's own code (the server for `serve`, the prompts for `login`) out of the others' start.
//
// dist/execute.js is what bin/run.js starts (oclif's execute); dist/commands/**.js are the commands
// where oclif's manifest finds them, dist/hooks/ the hooks and dist/help.js the help class package.json
// names; dist/chunks/ holds the code they share, @oclif/core included, so the runner and the commands
// use one copy of it. The plugins in package.json (help, autocomplete) stay packages, loaded only when
// used. dist/openapi.json is the contract as JSON, which the coordinator reads faster than the YAML
// (src/server/http/contract.ts); dist/request-validators.cjs its request validators as code, which it
// need not compile (src/server/http/request-validator.ts). Then oclif.manifest.json, as `oclif manifest` writes it (the
// same @oclif/core calls, without starting oclif's own CLI and its update check).
//
// Skipped when dist/ was built from the same inputs (dist/build-key: a digest of src/, openapi/, this
// script and what it imports, tsconfig.json, package.json and node_modules/.package-lock.json, which npm
// rewrites at every install), so `npm test` on an unchanged checkout does not bundle again. Anything
// else: `rm -rf dist` forces a build.
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {build, version as esbuildVersion} from 'esbuild'

const ROOT = path.resolve(import.meta.dirname, '..')
const SRC = path.join(ROOT, 'src')
const DIST = path.join(ROOT, 'dist')
const KEY_FILE = path.join(DIST, 'build-key')
const MANIFEST = path.join(ROOT, 'oclif.manifest.json')

/** The digest of every file dist/ and the manifest are made from. */
function buildKey(): string {
  const hash = createHash('sha256').update(`esbuild ${esbuildVersion}\n`)
  const files = [
    ...['src', 'openapi'].flatMap((dir) => readdirSync(path.join(ROOT, dir), {recursive: true, encoding: 'utf8'}).map((file) => path.join(dir, file))),
    'scripts/bundle-cli.ts',
    'scripts/gen-request-validators.ts',
    'tsconfig.json',
    'package.json',
    'node_modules/.package-lock.json',
  ]
  for (const file of files.sort()) {
    let content: Buffer
    try {
      content = readFileSync(path.join(ROOT, file))
    } catch (error) {
      // A directory, or a file npm did not write (a node_modules not installed by npm).
      if ((error as NodeJS.ErrnoException).code === 'EISDIR' || (error as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw error
    }
    hash.update(`${file}\0${content.length}\0`).update(content)
  }
  return hash.digest('hex')
}

const key = buildKey()
if (existsSync(MANIFEST) && existsSync(KEY_FILE) && readFileSync(KEY_FILE, 'utf8') === key) {
  process.stdout.write('dist/ is up to date (dist/build-key); `rm -rf dist` to build it again\n')
  process.exit(0)
}
// What stays of an earlier build would be found: a removed command's file by the manifest, old chunks.
rmSync(DIST, {recursive: true, force: true})
rmSync(MANIFEST, {force: true})

const commands = readdirSync(path.join(SRC, 'commands'), {recursive: true, encoding: 'utf8'})
  .filter((file) => file.endsWith('.ts'))
  .map((file) => ({in: path.join(SRC, 'commands', file), out: path.join('commands', file.replace(/\.ts$/, ''))}))

await build({
  entryPoints: [
    {in: path.join(SRC, 'cli', 'execute.ts'), out: 'execute'},
    {in: path.join(SRC, 'hooks', 'command-not-found.ts'), out: path.join('hooks', 'command-not-found')},
    {in: path.join(SRC, 'cli', 'help.ts'), out: 'help'},
    ...commands,
  ],
  outdir: path.join(ROOT, 'dist'),
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  tsconfig: path.join(ROOT, 'tsconfig.json'),
  // No keepNames: it wraps every named function in __name(), also each one a function defines as it
  // runs (koa-compose's dispatch, on-finished's listeners: some 30 µs of each lifecycle job of the
  // coordinator). Nothing reads a bundled function's name: oclif takes command ids from the manifest
  // (its class-name fallback is for commands without one), errors name themselves; only stack
  // traces may show a renamed `name2`.
  external: [
    // Found by path at run time: pg's optional native binding, the /docs page's files.
    'pg',
    'swagger-ui-dist',
    // oclif's development mode (bin/dev.js) only; not dependencies.
    'typescript',
    'ts-node',
    'tsx',
  ],
  // @oclif/core's check of package.json's `engines` looks for the package beside its own file, which a
  // bundle does not have: it loaded semver (some 5 ms of every start) and then gave up. npm checks
  // `engines` at install.
  define: {'process.env.OCLIF_DISABLE_ENGINE_WARNING': '"1"'},
  // CommonJS packages inside an ES module still call require() for Node's own modules.
  banner: {js: "import {createRequire as __aitbcCreateRequire} from 'node:module';\nconst require = __aitbcCreateRequire(import.meta.url);"},
  logLevel: 'warning',
})

// Loaded only now (these, and @oclif/core below), which a build that is skipped need not.
const {writeContractJson} = await import('../src/server/http/contract.js')
const {writeRequestValidators} = await import('./gen-request-validators.js')
// The coordinator reads the contract from this JSON copy while it matches the YAML (see contract.ts).
writeContractJson()
// And its request validators, compiled, while they match it (see request-validator.ts).
writeRequestValidators()

// What `oclif manifest` does (oclif/lib/commands/manifest.js): load the package as a plugin, ignoring any
// manifest, and write what it found in dist/commands. In a plain node process: in this one every module
// @oclif/core and the commands load would go through tsx's loader hooks, which doubled the step's CPU
// (1.5 CPU-s instead of 0.7).
const MANIFEST_SCRIPT = `
import {writeFileSync} from 'node:fs'
import {Plugin} from '@oclif/core'
const [root, manifest] = process.argv.slice(1)
const plugin = new Plugin({errorOnManifestCreate: true, ignoreManifest: true, respectNoCacheDefault: true, root, type: 'core'})
await plugin.load()
writeFileSync(manifest, JSON.stringify(plugin.manifest, null, 2))
`
execFileSync(process.execPath, ['--input-type=module', '-e', MANIFEST_SCRIPT, ROOT, MANIFEST], {cwd: ROOT, stdio: 'inherit'})

writeFileSync(KEY_FILE, key)
