// What bin/run.js starts: oclif's execute from the same bundle as the commands (scripts/bundle-cli.ts),
// so one copy of @oclif/core is loaded, from one file instead of some 160.
export {execute} from '@oclif/core'
