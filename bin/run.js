#!/usr/bin/env node
// The CLI is one bundle (scripts/bundle-cli.ts, built by `npm run build`): oclif's execute comes from it
// rather than from node_modules, so the commands and their runner share one @oclif/core.
import {execute} from '../dist/execute.js'

await execute({dir: import.meta.url})
