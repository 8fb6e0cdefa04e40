// Confirmation before an action that cannot be undone. Asked only when a person can answer; scripts
// (no terminal, CI, --json) proceed, like `kubectl delete`, and --yes skips the question anywhere.
import type {IO} from './io.js'

export async function confirmed(io: IO, message: string, options: {yes: boolean; json: boolean}): Promise<boolean> {
  if (options.yes || !io.canPrompt(options.json)) return true
  return io.prompter.confirm(message, false)
}
