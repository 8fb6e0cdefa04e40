// `aitbc explorer verify` against the real coordinator: a sound chain holds; a transaction or a block
// altered in a stopped coordinator's data directory makes it exit 10 naming that block's height.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, it} from 'node:test'

import type {Schemas} from '../../src/client/client.js'
import {STORE_FILES} from '../../src/server/store/lowdb-store.js'
import {BIN, tempConfigDir} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {aitbc, assertExit} from '../cli/aitbc.js'
import {Coordinator, until} from '../cli/coordinator.js'
import {newSigner} from '../verify/fixtures.js'

type Transaction = Schemas['Transaction']

interface Line {
  type: string
  height?: number
  ok: boolean | number
  reason?: string
  first_failing_height?: number
  blocks?: number
  receipts?: number
}

const jsonLines = (stdout: string): Line[] => stdout.trim().split('\n').map((line) => JSON.parse(line) as Line)

/** A coordinator with two completed jobs, every transaction sealed in a block. */
async function busyCoordinator(): Promise<{server: TestServer; transactions: Transaction[]}> {
  const coord = await Coordinator.start()
  await coord.completedJob('first', 'one', 'miner-a')
  await coord.completedJob('second', 'two', 'miner-a')
  const transactions = await until('every transaction sealed', async () => {
    const txs = (await coord.server.request<Transaction[]>('/explorer/transactions?limit=100')).body
    return txs.every((tx) => tx.block_height !== null) ? txs : undefined
  })
  return {server: coord.server, transactions}
}

/** Rewrites one JSON line of a data file; `change` edits the parsed record in place. */
async function alterLine(file: string, pick: (record: Record<string, unknown>) => boolean, change: (record: Record<string, unknown>) => void): Promise<void> {
  const lines = (await readFile(file, 'utf8')).split('\n')
  const at = lines.findIndex((line) => line !== '' && pick(JSON.parse(line)))
  assert.ok(at >= 0, `no line to alter in ${file}`)
  const record = JSON.parse(lines[at])
  change(record)
  lines[at] = JSON.stringify(record)
  await writeFile(file, lines.join('\n'))
}

describe('aitbc explorer verify', {concurrency: 3}, () => {
  it('a sound chain holds, against --key or the key pinned at login; --json gives a line per block', async () => {
    const {server, transactions} = await busyCoordinator()
    try {
      const plain = await aitbc(['explorer', 'verify', '--url', server.url, '--key', server.keyId])
      assertExit(plain, 0)
      assert.match(plain.stdout, /^Chain holds: blocks 0 to \d+ \(\d+ blocks?, \d+ transactions?, \d+ receipts? verified\)\.$/m)

      const configDir = tempConfigDir()
      assertExit(await aitbc(['login', '--url', server.url, '--api-key', server.clientKey], {env: {AITBC_CONFIG_DIR: configDir}}), 0)
      const json = await aitbc(['explorer', 'verify', '--json'], {env: {AITBC_CONFIG_DIR: configDir}})
      assertExit(json, 0)
      const lines = jsonLines(json.stdout)
      const summary = lines.at(-1) as Line
      const head = Math.max(...transactions.map((tx) => tx.block_height as number))
      assert.deepEqual(lines.slice(0, -1).map((l) => [l.type, l.height, l.ok]), Array.from({length: head + 1}, (_, h) => ['block', h, true]))
      assert.equal(summary.type, 'summary')
      assert.equal(summary.ok, true)
      assert.equal(summary.blocks, head + 1)
      const recorded = transactions.filter((tx) => tx.type === 'receipt_issued' && typeof tx.data.receipt === 'object').length
      assert.equal(summary.receipts, recorded)

      const range = jsonLines((await aitbc(['explorer', 'verify', '--from', String(head), '--json'], {env: {AITBC_CONFIG_DIR: configDir}})).stdout)
      assert.deepEqual(range.map((l) => l.height ?? l.type), [head, 'summary'])
    } finally {
      await server.close()
    }
  })

  it('blocks signed by a key that is not trusted fail at height 0; --to past the head exits 3', async () => {
    const server = await startTestServer()
    try {
      const result = await aitbc(['explorer', 'verify', '--url', server.url, '--key', newSigner().keyId, '--json'])
      assertExit(result, 10)
      assert.deepEqual([jsonLines(result.stdout).at(-1)?.first_failing_height, jsonLines(result.stdout).at(-1)?.reason], [0, 'untrusted_key'])
      assertExit(await aitbc(['explorer', 'verify', '--url', server.url, '--key', server.keyId, '--to', '999']), 3)
      assertExit(await aitbc(['explorer', 'verify', '--url', server.url]), 2)
    } finally {
      await server.close()
    }
  })

  it('a transaction altered in the data directory: exit 10 naming the height of its block', async () => {
    const {server, transactions} = await busyCoordinator()
    const target = transactions.find((tx) => tx.type === 'job_completed') as Transaction
    await server.stop()
    await alterLine(path.join(server.dataDir, STORE_FILES.transactions), (tx) => tx.seq === target.seq, (tx) => {
      (tx.data as Record<string, unknown>).result_sha256 = '0'.repeat(64)
    })
    const restarted = await server.restart()
    try {
      const plain = await aitbc(['explorer', 'verify', '--url', restarted.url, '--key', restarted.keyId])
      assertExit(plain, 10)
      assert.match(plain.stdout, new RegExp(`^Chain broken at height ${target.block_height}: tx_hash_mismatch`, 'm'))
      assert.match(plain.stderr, new RegExp(`does not hold at height ${target.block_height}`))
      const json = await aitbc(['explorer', 'verify', '--url', restarted.url, '--key', restarted.keyId, '--json'])
      assertExit(json, 10)
      assert.deepEqual(jsonLines(json.stdout).at(-1), {...jsonLines(json.stdout).at(-1), ok: false, first_failing_height: target.block_height, reason: 'tx_hash_mismatch'})
    } finally {
      await restarted.close()
    }
  })

  it('a block altered in the data directory: exit 10 naming its height', async () => {
    const {server, transactions} = await busyCoordinator()
    const height = transactions.find((tx) => tx.type === 'receipt_issued')?.block_height as number
    await server.stop()
    await alterLine(path.join(server.dataDir, STORE_FILES.blocks), (block) => block.height === height, (block) => {
      block.timestamp = '2030-01-01T00:00:00.000Z'
    })
    const restarted = await server.restart()
    try {
      const result = await aitbc(['explorer', 'verify', '--url', restarted.url, '--key', restarted.keyId])
      assertExit(result, 10)
      assert.match(result.stdout, new RegExp(`^Chain broken at height ${height}: hash_mismatch`, 'm'))
    } finally {
      await restarted.close()
    }
  })
})

describe('aitbc explorer verify on a terminal', {skip: spawnSync('script', ['--version']).status !== 0 && 'util-linux `script` is not installed'}, () => {
  it('draws a progress bar on the terminal, and clears it before the result', async () => {
    const {server} = await busyCoordinator()
    try {
      const env: Record<string, string | undefined> = {...process.env, AITBC_CONFIG_DIR: tempConfigDir(), TERM: 'xterm'}
      delete env.CI
      const command = `stty cols 100 rows 24; '${process.execPath}' '${BIN}' explorer verify --url ${server.url} --key ${server.keyId}`
      const child = spawn('script', ['-qec', command, '/dev/null'], {env: env as NodeJS.ProcessEnv})
      let screen = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk))
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
      assert.equal(code, 0, screen)
      assert.match(screen, /\[#+\] (\d+)\/\1 blocks/)
      assert.ok(screen.includes('\r\u001B[KChain holds'), screen)
    } finally {
      await server.close()
    }
  })
})
