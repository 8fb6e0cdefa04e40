// The one confirmation rule, for every command that asks before an action it cannot undo (`jobs
// cancel`, `admin keys revoke`, `keys trust --from-coordinator`), as `gh` does: --yes goes ahead; a
// person at a terminal is asked (default No; No ends with exit 1 and nothing changed); anywhere else
// (a script, CI, --json) the command refuses with a usage error (exit 2) that says to pass --yes,
// rather than guessing what the script meant.
import {abortedError, usageError} from './errors.js'
import type {IO} from './io.js'

export interface Confirmation {
  /** The question on a terminal: `Cancel job_01…?` */
  question: string
  /** What is not done without an answer, for the refusal: `Not cancelling job_01…` */
  refusal: string
  /** What --yes does, for the hint: `cancel it` */
  withYes: string
  yes: boolean
  json: boolean
}

export async function confirmOrAbort(io: IO, confirmation: Confirmation): Promise<void> {
  if (confirmation.yes) return
  if (!io.canPrompt(confirmation.json)) {
    throw usageError(`${confirmation.refusal}: no terminal to confirm on.`, `Pass --yes to ${confirmation.withYes} without a question.`)
  }
  if (!(await io.prompter.confirm(confirmation.question, false))) throw abortedError()
}
