// A mistyped command, as gh says it: `unknown command "jbos" for "aitbc"`, the close commands under
// "Did you mean this?", exit 2 like every other usage error. Never a question, on a terminal or not:
// a script gets the same words as a person, and nothing runs that the user did not type.
// (Replaces @oclif/plugin-not-found, which asked on a terminal and exited 127 without a suggestion
// elsewhere.)
import type {Hook} from '@oclif/core'

import {ExitCode} from '../cli/exit-codes.js'
import {IO} from '../cli/io.js'
import {inert} from '../cli/inert-text.js'
import {closeNames} from '../cli/suggestions.js'

interface Taxonomy {
  /** Command and topic ids, `:`-separated (`jobs:submit`, `admin:keys`). */
  ids: Set<string>
  /** The next words under a topic id ('' for the top). */
  childrenOf(prefix: string[]): string[]
}

function taxonomyOf(config: Parameters<Hook<'command_not_found'>>[0]['config']): Taxonomy {
  const visible = config.commands.filter((command) => !command.hidden).map((command) => command.id)
  const ids = new Set<string>()
  for (const id of [...visible, ...config.topics.filter((topic) => !topic.hidden).map((topic) => topic.name)]) {
    const words = id.split(':')
    for (let i = 1; i <= words.length; i++) ids.add(words.slice(0, i).join(':'))
  }
  return {
    ids,
    childrenOf: (prefix) =>
      [...ids].map((id) => id.split(':')).filter((words) => words.length === prefix.length + 1 && prefix.every((word, i) => words[i] === word)).map((words) => words.at(-1)!),
  }
}

/**
 * What the user meant, as whole commands (`jobs list` for `jbos list`): the close words at the place
 * of the unknown one, each followed by as many of the typed words after it as still name something;
 * if none is close there, commands anywhere whose last word is the typed one (`submit` → `jobs submit`).
 */
export function suggestionsFor(typed: string[], known: number, taxonomy: Taxonomy): string[] {
  const prefix = typed.slice(0, known)
  const unknown = typed[known]
  const extend = (words: string[]) => {
    for (const next of typed.slice(known + 1)) {
      if (!taxonomy.ids.has([...words, next].join(':'))) break
      words = [...words, next]
    }
    return words.join(' ')
  }
  const close = closeNames(unknown, taxonomy.childrenOf(prefix)).map((word) => extend([...prefix, word]))
  if (close.length > 0) return close
  return [...taxonomy.ids].filter((id) => id.split(':').at(-1) === unknown).sort().map((id) => id.split(':').join(' '))
}

const hook: Hook<'command_not_found'> = async function (options) {
  const taxonomy = taxonomyOf(options.config)
  // oclif joins the words it could not place (arguments too) into the id: `jbos:list`.
  const typed = options.id.split(':')
  let known = 0
  while (known < typed.length - 1 && taxonomy.ids.has(typed.slice(0, known + 1).join(':'))) known++
  const bin = options.config.bin
  const where = [bin, ...typed.slice(0, known)].join(' ')
  // `aitbc --versoin`: oclif takes a word before any command for a command, flag or not.
  const flag = typed[known].startsWith('-')
  const suggestions = flag
    ? closeNames(typed[known].replace(/^-+/, ''), ['version', 'help']).map((name) => `--${name}`)
    : suggestionsFor(typed, known, taxonomy)
  const message = `unknown ${flag ? 'flag' : 'command'} "${typed[known]}" for "${where}"`
  const io = IO.system()
  if (options.argv?.includes('--json')) {
    // As every command's error under --json: one document on stdout, same exit code.
    io.stdout.write(`${JSON.stringify({error: {code: 'usage', message, exit_code: ExitCode.USAGE, suggestions}}, null, 2)}\n`)
    this.exit(ExitCode.USAGE)
  }
  const lines = [`${io.paint('Error:', 'red', 'stderr')} ${inert(message)}`]
  if (suggestions.length > 0) lines.push('', 'Did you mean this?', ...suggestions.map((suggestion) => `\t${bin} ${suggestion}`))
  lines.push('', `Run \`${where} --help\` for the list of commands.`)
  io.stderr.write(`${lines.join('\n')}\n`)
  this.exit(ExitCode.USAGE)
}

export default hook
