// Where `jobs submit` takes its prompt from: the argument, stdin (`-` or a pipe), or a question on an
// interactive terminal. Anything else is a usage error that says how to pass it.
import {usageError} from './errors.js'
import type {IO} from './io.js'

const HOW_TO_PASS = 'Pass it as an argument (`aitbc jobs submit "Hello"`) or on stdin (`echo Hello | aitbc jobs submit -`).'

export async function readPromptInput(io: IO, argument: string | undefined, options: {json: boolean; note: (text: string) => void}): Promise<string> {
  let prompt: string
  if (argument !== undefined && argument !== '-') {
    prompt = argument
  } else if (argument === '-' || !io.stdinIsTTY) {
    if (io.stdinIsTTY) options.note('Reading the prompt from stdin; end it with Ctrl-D.')
    prompt = await io.readStdin()
  } else if (io.canPrompt(options.json)) {
    prompt = await io.prompter.input('Prompt:', {validate: (value) => value.trim() !== '' || 'The prompt cannot be empty.'})
  } else {
    throw usageError('No prompt given.', HOW_TO_PASS)
  }
  if (prompt.trim() === '') throw usageError('The prompt is empty.', HOW_TO_PASS)
  return prompt
}
