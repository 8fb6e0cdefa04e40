// Every command's help carries a summary, a description and examples, and every `aitbc ...` call in an
// example names a real command with flags that command has: renaming a flag cannot leave an example
// behind. (The README-examples test runs the README's examples for real.)
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {it} from 'node:test'

import {REPO_ROOT} from '../helpers/cli.js'

interface ManifestCommand {
  id: string
  pluginName: string
  summary?: string
  description?: string
  examples?: Array<string | {command: string}>
  flags: Record<string, {name: string; char?: string}>
}

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}
const commands = new Map(Object.values(manifest.commands).map((command) => [command.id.replaceAll(':', ' '), command]))
const ours = [...commands.values()].filter((command) => command.pluginName === 'aitbc')

/** Shell words of a one-line example, with `|`, `&&`, `;`, `$(`, `)` and redirections as breaks. */
function segments(example: string): string[][] {
  const result: string[][] = [[]]
  let word: string | undefined
  let quote: string | undefined
  let redirect = false
  const endWord = () => {
    if (word !== undefined) {
      if (!redirect) result.at(-1)!.push(word)
      redirect = false
    }
    word = undefined
  }
  for (let i = 0; i < example.length; i++) {
    const c = example[i]
    if (quote) {
      if (c === quote) quote = undefined
      else word = (word ?? '') + c
    } else if (c === '"' || c === "'") {
      quote = c
      word ??= ''
    } else if (/\s/.test(c)) endWord()
    else if ('|&;()'.includes(c) || (c === '$' && example[i + 1] === '(')) {
      endWord()
      result.push([])
    } else if (c === '>' || c === '<') {
      endWord()
      redirect = true
    } else word = (word ?? '') + c
  }
  endWord()
  return result.filter((segment) => segment.length > 0)
}

/** The `aitbc` calls of an example: [command, the words after it]. */
function aitbcCalls(example: string): Array<{command: ManifestCommand | undefined; id: string; rest: string[]}> {
  return segments(example)
    .map((words) => words.slice(words.indexOf('aitbc')))
    .filter((words) => words[0] === 'aitbc')
    .map((words) => {
      for (let n = words.length - 1; n >= 1; n--) {
        const id = words.slice(1, n + 1).join(' ')
        if (commands.has(id)) return {command: commands.get(id), id, rest: words.slice(n + 1)}
      }
      return {command: undefined, id: words.slice(1).join(' '), rest: []}
    })
}

it('every command has a summary, a description and examples', () => {
  assert.ok(ours.length >= 30, `the manifest lists the commands (${ours.length})`)
  for (const command of ours) {
    assert.ok(command.summary, `${command.id} has a summary`)
    assert.ok(command.description, `${command.id} has a description`)
    assert.ok((command.examples ?? []).length > 0, `${command.id} has examples`)
  }
})

it('every example calls real commands with flags they have', () => {
  let calls = 0
  for (const command of ours) {
    for (const entry of command.examples ?? []) {
      const example = (typeof entry === 'string' ? entry : entry.command).replaceAll('<%= config.bin %>', 'aitbc')
      for (const call of aitbcCalls(example)) {
        calls++
        assert.ok(call.command, `${command.id} example "${example}": no command "aitbc ${call.id}"`)
        const flags = Object.values(call.command.flags)
        for (const word of call.rest) {
          const long = word.match(/^--([\w-]+)/)
          const short = word.match(/^-(\w)$/)
          if (long) assert.ok(flags.some((flag) => flag.name === long[1]), `${command.id} example "${example}": aitbc ${call.id} has no --${long[1]}`)
          if (short) assert.ok(flags.some((flag) => flag.char === short[1]), `${command.id} example "${example}": aitbc ${call.id} has no -${short[1]}`)
        }
      }
    }
  }
  assert.ok(calls >= ours.length, `examples were read (${calls} calls)`)
})
