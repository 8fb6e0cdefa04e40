// `npm run build`: the CLI as a few ES modules instead of some 300 files. Loading modules was most of a
// cold start (a profile of `aitbc receipts verify` spent more time resolving, reading and compiling
// @oclif/core's CommonJS files than running the command); one bundle with code splitting keeps a
// command's own code (the server for `serve`, the prompts for `login`) out of the others' start.
//
// dist/execute.js is what bin/run.js starts (oclif's execute); dist/commands/**.js are the commands
// where oclif's manifest finds them, dist/hooks/ the hooks and dist/help.js the help class package.json
// names; dist/chunks/ holds the code they share, @oclif/core included, so the runner and the commands
// use one copy of it. The plugins in package.json (help, autocomplete) stay packages, loaded only when used. dist/openapi.json
// is the contract as JSON, which the coordinator reads faster than the YAML (src/server/http/contract.ts);
// dist/request-validators.cjs its request validators as code, which it need not compile
// (src/server/http/request-validator.ts).
import {readdirSync} from 'node:fs'
import path from 'node:path'

import {build} from 'esbuild'

import {writeContractJson} from '../src/server/http/contract.js'
import {writeRequestValidators} from './gen-request-validators.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const SRC = path.join(ROOT, 'src')

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

// The coordinator reads the contract from this JSON copy while it matches the YAML (see contract.ts).
writeContractJson()
// And its request validators, compiled, while they match it (see request-validator.ts).
writeRequestValidators()
