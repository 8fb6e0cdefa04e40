// The miner's output batcher: the first piece goes at once, then one request per interval carries all
// that was generated meanwhile (sooner past maxBytes), offsets add up, and a refused piece stops it.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {OutputBatcher} from '../../src/miner/output-batcher.js'

async function until(what: string, check: () => boolean): Promise<void> {
  for (const started = Date.now(); !check(); ) {
    assert.ok(Date.now() - started < 10_000, `timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

test('a hundred tokens cost a few requests, with offsets that add up', async () => {
  const sent: Array<[number, string]> = []
  const batcher = new OutputBatcher(async (offset, text) => void sent.push([offset, text]), {intervalMs: 40, maxBytes: 1 << 20})
  batcher.push('é')
  assert.deepEqual(sent, [[0, 'é']], 'the first piece goes at once')
  for (let i = 0; i < 100; i++) batcher.push(` t${i}`)
  await until('the next batch', () => sent.length === 2)
  assert.equal(sent[1][0], 2, 'the offset counts UTF-8 bytes')
  assert.equal(sent[1][1], Array.from({length: 100}, (_, i) => ` t${i}`).join(''))
  await batcher.finish()
  assert.equal(batcher.requests, 2)
})

test('past maxBytes a batch goes before the interval; a refused piece stops the stream', async () => {
  const sent: string[] = []
  let refuse = false
  const batcher = new OutputBatcher(
    async (_offset, text) => {
      sent.push(text)
      if (refuse) throw new Error('503 stream memory full')
    },
    {intervalMs: 60_000, maxBytes: 4},
  )
  batcher.push('a')
  await until('the first request', () => sent.length === 1)
  refuse = true
  batcher.push('bcdef')
  await until('the big batch', () => sent.length === 2)
  batcher.push('ghijk')
  await batcher.finish()
  assert.deepEqual(sent, ['a', 'bcdef'], 'nothing more after a refusal')
})
