// Positional ids (a job id, a receipt id, a key's name). An empty one is almost always a variable that
// a failed command left empty (`JOB=$(aitbc jobs submit ...)`): a usage error that says so, before any
// request (spelled into a path it would name another endpoint: /v1/jobs/ is the job list).
import {Args} from '@oclif/core'

import {usageError} from './errors.js'

/** The id as given, or the usage error an empty one gets. */
export function checkedId(what: string, input: string): string {
  if (input.trim() === '') {
    throw usageError(
      `The ${what} is empty.`,
      `An empty ${what} usually comes from a variable a failed command left empty (e.g. JOB=$(aitbc jobs submit ...)); check that command's error.`,
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
