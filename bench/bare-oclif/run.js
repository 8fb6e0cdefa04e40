// Started as aitbc's bin/run.js starts: the floor for `aitbc` cold start on this stack.
import {execute} from '@oclif/core/execute'

await execute({dir: import.meta.url})
