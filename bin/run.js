#!/usr/bin/env node
// The CLI is one bundle (scripts/bundle-cli.ts, built by `npm run build`): oclif's execute comes from it
// rather than from node_modules, so the commands and their runner share one @oclif/core.
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const bundle = new URL('../dist/execute.js', import.meta.url)
if (!existsSync(bundle)) {
  // A checkout linked (`npm link`) or run before its first build: say so, rather than oclif's
  // "jobs list is not a aitbc command" for every command.
  process.stderr.write(`aitbc is not built: run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}\n`)
  process.exit(1)
}
const {execute} = await import(bundle.href)

await execute({dir: import.meta.url})
// The command is done (a failure has already exited through oclif's handler): exit once stdout and
// stderr are written out, rather than after Node frees the heap, which takes longer than most
// commands' own work after their last request (measured: 25 ms from the last output to the exit instead
// of 60-70 ms, a fifth less from spawn to exit). Whatever a command starts, it waits for before
// returning, so nothing is cut short; a socket or timer left behind by mistake cannot hold the exit
// either (test/e2e/exit-after-answer.test.ts checks there is none, in-process).
process.stdout.write('', () => process.stderr.write('', () => process.exit()))
