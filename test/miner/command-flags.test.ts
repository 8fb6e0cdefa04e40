import assert from 'node:assert/strict'
import {test} from 'node:test'

import {describeFailure} from '../../src/cli/errors.js'
import {backendSettingsFrom, minerIdFrom, undeliveredFile} from '../../src/miner/command-flags.js'

const usage = (pattern: RegExp) => (error: unknown) => describeFailure(error).exitCode === 2 && pattern.test((error as Error).message)

test('the backend: ollama by default, command when --command is given', () => {
  assert.deepEqual(backendSettingsFrom({}), {kind: 'ollama', url: undefined, apiKey: undefined})
  assert.deepEqual(backendSettingsFrom({command: 'cat', model: ['m']}), {kind: 'command', command: 'cat'})
  assert.deepEqual(backendSettingsFrom({backend: 'openai', 'backend-url': 'http://h:1/v1', 'backend-api-key': 'k'}), {kind: 'openai', url: 'http://h:1/v1', apiKey: 'k'})
})

test('flags that do not fit together are usage errors naming the flag', () => {
  assert.throws(() => backendSettingsFrom({backend: 'command', model: ['m']}), usage(/needs --command/))
  assert.throws(() => backendSettingsFrom({command: 'cat'}), usage(/needs --model/))
  assert.throws(() => backendSettingsFrom({backend: 'ollama', command: 'cat'}), usage(/--command is for --backend command/))
})

test('the limits of the backend flags reach its settings; a flag for another kind of backend is a usage error', () => {
  assert.deepEqual(backendSettingsFrom({'backend-list-timeout': 0.5, 'backend-max-answer-mib': 2}), {kind: 'ollama', url: undefined, apiKey: undefined, listTimeoutMs: 500, maxAnswerBytes: 2 * 1024 * 1024})
  assert.deepEqual(backendSettingsFrom({command: 'cat', model: ['m'], 'probe-timeout': 1.5}), {kind: 'command', command: 'cat', probeTimeoutMs: 1500})
  assert.throws(() => backendSettingsFrom({backend: 'openai', 'probe-timeout': 5}), usage(/--probe-timeout is for --backend command, not --backend openai/))
  assert.throws(() => backendSettingsFrom({command: 'cat', model: ['m'], 'backend-list-timeout': 5}), usage(/--backend-list-timeout is for --backend ollama and openai/))
})

test('the miner id: the flag, else the host name made valid; an invalid flag is a usage error', () => {
  assert.equal(minerIdFrom({'miner-id': 'gpu-1.rack:2'}), 'gpu-1.rack:2')
  assert.match(minerIdFrom({}), /^[A-Za-z0-9][A-Za-z0-9._:-]*$/)
  assert.throws(() => minerIdFrom({'miner-id': 'has space'}), usage(/Invalid miner id/))
  assert.throws(() => minerIdFrom({'miner-id': 'x'.repeat(129)}), usage(/Invalid miner id/))
})

test('one undelivered-results file per miner id, safe as a file name', () => {
  assert.equal(undeliveredFile('/state', 'gpu:1'), '/state/gpu_1.undelivered.json')
})
