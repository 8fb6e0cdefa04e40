// Positional ids (a job id, a receipt id, a key's name). An empty one is almost always a variable that
// a failed command left empty (`JOB=$(aitbc jobs submit ...)`): a usage error that says so, before any
// request (spelled into a path it would name another endpoint: /v1/jobs/ is the job list). So is an id
// copied from a table that shortened it to fit the terminal (`job_01J…8BV31959`, src/cli/render.ts): its
// middle is gone, and the coordinator could only answer "not found".
import {Args} from '@oclif/core'

import {usageError} from './errors.js'
import {ELLIPSIS} from './render.js'

/** The id as given, or the usage error an empty or shortened one gets. */
export function checkedId(what: string, input: string): string {
  if (input.trim() === '') {
    throw usageError(
      `The ${what} is empty.`,
      `An empty ${what} usually comes from a variable a failed command left empty (e.g. JOB=$(aitbc jobs submit ...)); check that command's error.`,
    )
  }
  if (input.includes(ELLIPSIS)) {
    throw usageError(
      `The ${what} "${input}" is shortened: a table cut it to fit the terminal, and the part at "${ELLIPSIS}" is missing.`,
      'Only a table on a terminal shortens: list again with --json, or through a pipe (| cat), to copy it whole.',
    )
  }
  return input
}

export function idArg(what: string, description: string) {
  return Args.custom<string>({parse: async (input) => checkedId(what, input)})({description, required: true})
}

/** An id argument a flag may stand in for (`receipts get --job ID`). */
export function optionalIdArg(what: string, description: string) {
  return Args.custom<string>({parse: async (input) => checkedId(what, input)})({description})
}
