import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/** An import pattern for a directory of src/, from anywhere below src/. */
const dir = (name) => [`**/${name}/*`, `**/${name}`, `../${name}/**`, `../../${name}/**`, `../../../${name}/**`]
const only = (names, message, extra = []) => ({patterns: [{group: [...names.flatMap(dir), ...extra], message}]})

// The dependency rules of docs/ARCHITECTURE.md. Each directory lists what it may NOT import.
const boundaries = [
  {files: ['src/protocol/**/*.ts'], restrict: ['cli', 'client', 'contract', 'miner', 'server', 'verify', 'commands'], why: 'src/protocol imports nothing of the project.'},
  {files: ['src/contract/**/*.ts'], restrict: ['cli', 'client', 'miner', 'protocol', 'server', 'verify', 'commands'], why: 'src/contract holds the types generated from the contract; it imports nothing of the project.'},
  {files: ['src/client/**/*.ts'], restrict: ['cli', 'commands', 'miner', 'server', 'verify'], why: 'src/client may import only src/protocol and src/contract.'},
  {files: ['src/verify/**/*.ts'], restrict: ['cli', 'commands', 'miner', 'server'], why: 'src/verify may import src/protocol and src/client only.'},
  {files: ['src/miner/**/*.ts'], restrict: ['cli', 'commands', 'server', 'verify'], why: 'src/miner may import src/protocol and src/client only; its errors are its own (miner/errors.ts).'},
  {files: ['src/server/**/*.ts'], restrict: ['cli', 'commands', 'client', 'miner', 'verify'], why: 'src/server may import src/protocol and src/contract only.'},
  {
    // A later entry replaces an earlier one for its files, so it repeats the server's rule.
    files: ['src/server/{auth,explorer,jobs,keys,ledger,miners,receipts,store}/**/*.ts'],
    restrict: ['cli', 'commands', 'client', 'miner', 'verify'],
    extra: ['**/http/api-error*', '**/http/error-middleware*'],
    why: "src/server may import src/protocol and src/contract only, and a service throws its own errors (server/domain-errors.ts), which the HTTP layer maps to statuses.",
  },
  {files: ['src/cli/**/*.ts'], restrict: ['commands', 'server'], why: 'src/cli is shared by commands; it never imports a command or the server.'},
]

export default tseslint.config(
  {ignores: ['dist/**', '.test-build/**', 'node_modules/**', 'src/contract/api-schema.ts', 'src/contract/validated-input.ts', 'bench/results/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {globals: {process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', Buffer: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly'}},
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
    },
  },
  ...boundaries.map(({files, restrict, extra, why}) => ({files, rules: {'no-restricted-imports': ['error', only(restrict, why, extra)]}})),
  {
    // Commands and their helpers meet the outside world only through the IO object (src/cli/io.ts).
    files: ['src/cli/**/*.ts', 'src/commands/**/*.ts'],
    ignores: ['src/cli/io.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['stdout', 'stderr', 'stdin', 'env', 'exitCode'].map((property) => ({object: 'process', property, message: 'Use this.io (src/cli/io.ts), so the command runs the same in a test.'})),
      ],
    },
  },
  {
    // API calls go through the typed functions of src/client/calls.ts, never a route spelled inline.
    files: ['src/cli/**/*.ts', 'src/commands/**/*.ts', 'src/miner/coordinator-link.ts'],
    rules: {
      'no-restricted-syntax': ['error', {selector: 'CallExpression[callee.property.name=/^(GET|POST|PUT|PATCH|DELETE)$/]', message: 'Call the coordinator through src/client/calls.ts.'}],
    },
  },
)
