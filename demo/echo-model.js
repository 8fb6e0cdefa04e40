#!/usr/bin/env node
// DEMO BACKEND, NOT AI. A tiny deterministic text program that stands in for a language model so the
// whole aitbc flow can run on any machine: `aitbc miner run --backend command --command 'node
// demo/echo-model.js' --model demo-echo`. It reads the prompt on stdin and prints a short, plain
// description of it (word and character counts, the words reversed). Same prompt, same output.
//
// Like any command backend it gets the job's settings as environment variables; it honours
// AITBC_MAX_TOKENS by printing at most that many words.
import {text} from 'node:stream/consumers'

const prompt = (await text(process.stdin)).trim()
const words = prompt.split(/\s+/).filter(Boolean)
const maxWords = Number(process.env.AITBC_MAX_TOKENS) || Infinity

const answer = [
  '[demo echo-model: not AI]',
  `The prompt has ${words.length} ${words.length === 1 ? 'word' : 'words'} and ${[...prompt].length} characters.`,
  `Reversed: ${[...words].reverse().join(' ')}`,
]
  .join(' ')
  .split(' ')
  .slice(0, maxWords)
  .join(' ')

process.stdout.write(`${answer}\n`)
