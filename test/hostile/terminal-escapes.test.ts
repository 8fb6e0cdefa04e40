// Text from a server is inert on a terminal: a server whose every string carries escape sequences (a
// window title, a clear screen, an OSC 8 link, a C1 CSI, a bell) cannot get one of them to a terminal
// through any command that shows server text; they arrive in caret notation. A pipe still gets the
// exact bytes. Every command runs in-process with all three streams terminals (the IO object's
// switches); one of each kind of output (a line, a table, an error, the spinners of a wait and a
// watch) also runs as the real binary on a real terminal (a pseudo-terminal from util-linux `script`),
// where nothing but the IO object could write.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {BIN, type CliResult, tempConfigDir} from '../helpers/cli.js'
import {runCommand} from '../helpers/run-command.js'
import {type Behaviour, type HostileServer, jsonAnswer, startHostileServer} from './hostile-server.js'

const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0

/**
 * Sets the window title, clears the screen, forges a link, erases a line with a C1 CSI, rings the bell,
 * and turns what follows right to left (a bidi override: "txt.exe" shows as "exe.txt").
 */
const EVIL = '\u001B]0;pwned\u0007\u001B[2J\u001B]8;;http://evil.example/\u001B\\click\u001B]8;;\u001B\\\u009B2K\u202Eexe.txt\u2066'
const RAW = ['\u001B]0;', '\u001B[2J', '\u001B]8;', '\u0007', '\u009B', '\u202E', '\u2066']
const SHOWN = '^[]0;pwned^G^[[2J^[]8;;http://evil.example/^[\\click'
/** A table fits the 80 columns (ids and names cut with an ellipsis), so a cell may show only the start. */
const SHOWN_IN_A_TABLE = '^[]0;pwned^G'
const TABLES = new Set(['jobs list', 'receipts list', 'explorer receipts', 'explorer blocks', 'explorer block 0', 'explorer transactions', 'admin keys list'])

const SIGNATURE = {alg: 'ed25519', key_id: `key${EVIL}`, sig: `sig${EVIL}`}
const JOB = {
  job_id: `job_1${EVIL}`,
  status: 'failed',
  prompt: `prompt${EVIL}`,
  model: `model${EVIL}`,
  params: {max_tokens: 1, temperature: 0, top_p: 1},
  result: `result${EVIL}`,
  error: `error${EVIL}`,
  miner_id: `miner${EVIL}`,
  client: `client${EVIL}`,
  attempts: 1,
  created_at: '2026-01-01T00:00:00Z',
}
const COMPLETED = {...JOB, status: 'completed', error: undefined}
const RECEIPT = {
  receipt_id: `rcpt${EVIL}`,
  job_id: `job${EVIL}`,
  provider: `provider${EVIL}`,
  client: `client${EVIL}`,
  units: 1,
  unit_type: `tokens${EVIL}`,
  price: 1,
  model: `model${EVIL}`,
  started_at: 1,
  completed_at: 2,
  signature: SIGNATURE,
}
const TX = {tx_hash: `tx${EVIL}`, seq: 1, type: 'job_submitted', timestamp: `2026${EVIL}`, data: {job_id: `job${EVIL}`}, block_height: 0}
const BLOCK = {height: 0, hash: `hash${EVIL}`, prev_hash: `prev${EVIL}`, merkle_root: `root${EVIL}`, timestamp: `2026${EVIL}`, transactions: 1, signature: SIGNATURE}
const KEY_INFO = {name: `name${EVIL}`, role: 'client', created_at: '2026-01-01T00:00:00Z'}

function route({method, path: url}: {method: string; path: string}): Behaviour {
  const pathname = url.split('?')[0]
  const routes: Record<string, Behaviour> = {
    'GET /health': jsonAnswer(200, {status: `ok${EVIL}`, version: `1${EVIL}`}),
    'GET /v1/jobs': jsonAnswer(200, [JOB]),
    'GET /v1/jobs/job_failed': jsonAnswer(200, JOB),
    'GET /v1/jobs/job_done': jsonAnswer(200, COMPLETED),
    'POST /v1/jobs': jsonAnswer(201, COMPLETED),
    'GET /v1/receipts': jsonAnswer(200, [RECEIPT]),
    'GET /v1/receipts/r1': jsonAnswer(200, RECEIPT),
    'GET /explorer/receipts': jsonAnswer(200, [RECEIPT]),
    'GET /explorer/blocks': jsonAnswer(200, [BLOCK]),
    'GET /explorer/blocks/0': jsonAnswer(200, {...BLOCK, transaction_list: [TX]}),
    'GET /explorer/transactions': jsonAnswer(200, [TX]),
    'GET /v1/admin/keys': jsonAnswer(200, [KEY_INFO]),
    'POST /v1/admin/keys': jsonAnswer(201, {...KEY_INFO, api_key: 'aitbc_fresh-key-0000000000'}),
    'DELETE /v1/admin/keys/alice': jsonAnswer(200, KEY_INFO),
    'POST /v1/miners/register': jsonAnswer(201, {miner_id: `m${EVIL}`, capabilities: [`model${EVIL}`], gpu_info: {name: `gpu${EVIL}`}, principal: `p${EVIL}`, registered_at: '2026-01-01T00:00:00Z', last_seen: '2026-01-01T00:00:00Z'}),
    'POST /v1/jobs/job_done/claim': jsonAnswer(200, {...COMPLETED, status: 'running'}),
    'POST /v1/jobs/job_done/complete': jsonAnswer(200, RECEIPT),
    'POST /v1/jobs/job_done/fail': jsonAnswer(200, JOB),
  }
  return routes[`${method} ${pathname}`] ?? jsonAnswer(404, {detail: `no such thing${EVIL}`, error_code: `not_found${EVIL}`})
}

/** `aitbc ARGS` (a shell fragment) with stdin, stdout and stderr on an 80x24 pseudo-terminal. */
function inTerminal(args: string, env: Record<string, string>): Promise<CliResult> {
  const childEnv: Record<string, string | undefined> = {...process.env, AITBC_CONFIG_DIR: tempConfigDir(), TERM: 'xterm', ...env}
  for (const name of ['CI', 'NO_COLOR', 'AITBC_PROFILE']) delete childEnv[name]
  const child = spawn('script', ['-qec', `stty cols 80 rows 24; '${process.execPath}' '${BIN}' ${args}`, '/dev/null'], {env: childEnv as NodeJS.ProcessEnv, detached: true})
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stdin.end()
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000)
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout: code === null ? `killed after 60 s: ${stdout}` : stdout, stderr: ''})
    })
  })
}

/** `aitbc ARGS` in this process, stdin, stdout and stderr terminals of 80 columns; what both streams showed. */
async function onTerminalSwitches(args: string, env: Record<string, string>): Promise<CliResult> {
  const argv = (args.match(/"[^"]*"|\S+/g) ?? []).map((word) => word.replace(/^"(.*)"$/, '$1'))
  const result = await runCommand(argv, {env: {...env, TERM: 'xterm', CI: undefined, NO_COLOR: undefined}, tty: {stdin: true, stdout: true, stderr: true, columns: 80}})
  return {code: result.code, stdout: result.stdout + result.stderr, stderr: ''}
}

/** Command, exit code, and whether it also runs as the real binary on a pty (one of each kind of output). */
const COMMANDS: [string, number, 'pty'?][] = [
  ['health', 0, 'pty'],
  ['jobs list', 0, 'pty'],
  ['jobs get job_failed', 0],
  ['jobs result job_done', 0],
  ['jobs result job_failed', 7],
  ['jobs submit "hi"', 0],
  ['jobs submit --wait "hi"', 0, 'pty'],
  ['jobs watch job_failed', 7, 'pty'],
  ['jobs get job_missing', 3, 'pty'],
  ['receipts list', 0],
  ['receipts get r1', 0],
  ['explorer receipts', 0],
  ['explorer blocks', 0],
  ['explorer block 0', 0],
  ['explorer transactions', 0],
  ['admin keys list', 0],
  ['admin keys create --role client --name alice', 0],
  ['admin keys revoke alice --yes', 0],
  ['miner register --miner-id m1 --model x', 0],
  ['miner claim job_done --miner-id m1', 0],
  ['miner complete job_done --miner-id m1 --result done', 0],
  ['miner fail job_done --miner-id m1 --error oops', 0],
]

function assertInert(command: string, code: number, result: CliResult): void {
  assert.equal(result.code, code, result.stdout)
  for (const raw of RAW) assert.ok(!result.stdout.includes(raw), `${JSON.stringify(raw)} reached the terminal: ${JSON.stringify(result.stdout)}`)
  const shown = TABLES.has(command) ? SHOWN_IN_A_TABLE : SHOWN
  assert.ok(result.stdout.includes(shown), `the sequences are not shown in caret notation: ${JSON.stringify(result.stdout)}`)
  // aitbc's own colours (table heads, "Error:") stay colours, not caret text.
  assert.doesNotMatch(result.stdout, /\^\[\[\d+m/, 'a colour of aitbc was made visible')
}

describe('server text on a terminal', {concurrency: 4}, () => {
  let server: HostileServer
  before(async () => {
    server = await startHostileServer(route)
  })
  after(() => server.close())
  const env = () => ({AITBC_URL: server.url, AITBC_API_KEY: 'aitbc_a-key-of-the-test-00000000'})

  for (const [command, code, pty] of COMMANDS) {
    it(`${command}: no escape sequence from the server reaches the terminal`, async () => {
      assertInert(command, code, await onTerminalSwitches(command, env()))
    })
    if (pty) {
      it(`${command}: none reaches a real terminal either`, {skip: !HAS_SCRIPT && 'util-linux `script` is not installed'}, async () => {
        assertInert(command, code, await inTerminal(command, env()))
      })
    }
  }

  it('jobs get: a bidi override or isolate is shown by name, so it cannot turn the text after it around', async () => {
    const result = await onTerminalSwitches('jobs get job_failed', env())
    assert.ok(result.stdout.includes('^[[2K<U+202E>exe.txt<U+2066>'), result.stdout)
  })

  it('jobs submit --wait into a file: the exact bytes the server sent', {skip: !HAS_SCRIPT && 'util-linux `script` is not installed'}, async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'aitbc-tty-')), 'out.txt')
    const result = await inTerminal(`jobs submit --wait "hi" > '${out}'`, {AITBC_URL: server.url, AITBC_API_KEY: 'aitbc_a-key-of-the-test-00000000'})
    assert.equal(result.code, 0, result.stdout)
    assert.equal(readFileSync(out, 'utf8'), COMPLETED.result)
  })

  it('jobs get --json into a file, stdin and stderr terminals: the exact strings the server sent', async () => {
    // The real binary's file beside a terminal is the test above; here what aitbc makes of the switches.
    const result = await runCommand(['jobs', 'get', 'job_failed', '--json'], {env: {...env(), TERM: 'xterm', CI: undefined, NO_COLOR: undefined}, tty: {stdin: true, stderr: true}})
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), JOB)
  })
})
