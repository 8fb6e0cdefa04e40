// Confirmation before an action that cannot be undone. Asked only when a person can answer; scripts
// (no terminal, CI, --json) proceed, like `kubectl delete`, and --yes skips the question anywhere.
import {canPrompt} from './terminal.js'

export async function confirmed(message: string, options: {yes: boolean; json: boolean}): Promise<boolean> {
  if (options.yes || !canPrompt(options.json)) return true
  const {confirm} = await import('@inquirer/prompts')
  return confirm({message, default: false})
}
