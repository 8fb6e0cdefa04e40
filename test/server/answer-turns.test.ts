// Large answers are built in turn, with the event loop let go between turns, and refused with 503 once
// the queue of those waiting is full.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {ApiError} from '../../src/server/http/api-error.js'
import {AnswerTurns, SMALL_ANSWER_BYTES} from '../../src/server/http/answer-turns.js'
import {loadContract} from '../../src/server/http/contract.js'

/** A build that runs until `finish()` is called. */
function heldBuild(log: string[], name: string) {
  let finish!: () => void
  const finished = new Promise<void>((resolve) => (finish = resolve))
  return {
    build: async () => {
      log.push(`${name} starts`)
      await finished
      log.push(`${name} ends`)
    },
    finish: () => finish(),
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('AnswerTurns', () => {
  it('builds --answer-builders at a time, in arrival order, and refuses past --answer-queue', async () => {
    const turns = new AnswerTurns({answerBuilders: 1, answerQueue: 2})
    const log: string[] = []
    const [a, b, c] = ['a', 'b', 'c'].map((name) => heldBuild(log, name))
    const runs = [turns.run(a.build, () => false), turns.run(b.build, () => false), turns.run(c.build, () => false)]
    await nextTurn()
    assert.deepEqual(log, ['a starts'])
    assert.equal(turns.queued, 2)
    await assert.rejects(turns.run(async () => undefined, () => false), (error: ApiError) => {
      assert.equal(error.status, 503)
      assert.match(error.message, /2 large answers waiting.*--answer-queue 2/)
      assert.equal(error.headers['Retry-After'], '1')
      return true
    })
    a.finish()
    await runs[0]
    // The next turn does not start in the same task as the last one ended: the loop is let go between
    // them, so requests that arrived meanwhile (I/O callbacks) are handled first.
    assert.deepEqual(log, ['a starts', 'a ends'])
    await nextTurn()
    assert.deepEqual(log, ['a starts', 'a ends', 'b starts'])
    b.finish()
    await runs[1]
    c.finish()
    await Promise.all(runs)
    assert.deepEqual(log, ['a starts', 'a ends', 'b starts', 'b ends', 'c starts', 'c ends'])
  })

  it('does not build an answer whose client left while it waited', async () => {
    const turns = new AnswerTurns({answerBuilders: 1, answerQueue: 4})
    const log: string[] = []
    const a = heldBuild(log, 'a')
    const first = turns.run(a.build, () => false)
    let left = false
    const second = turns.run(async () => void log.push('built for nobody'), () => left)
    const third = turns.run(async () => void log.push('c built'), () => false)
    await nextTurn()
    left = true
    a.finish()
    await Promise.all([first, second, third])
    assert.deepEqual(log, ['a starts', 'a ends', 'c built'])
  })

  it('with several builders, runs that many at once', async () => {
    const turns = new AnswerTurns({answerBuilders: 2, answerQueue: 0})
    const log: string[] = []
    const [a, b] = ['a', 'b'].map((name) => heldBuild(log, name))
    const runs = [turns.run(a.build, () => false), turns.run(b.build, () => false)]
    await nextTurn()
    assert.deepEqual(log, ['a starts', 'b starts'])
    await assert.rejects(turns.run(async () => undefined, () => false), /--answer-queue 0/)
    a.finish()
    b.finish()
    await Promise.all(runs)
  })

  it('passes the turn of a small answer on at once, that of a large one only after a turn of the loop', async () => {
    const turns = new AnswerTurns({answerBuilders: 1, answerQueue: 4})
    const log: string[] = []
    // Set by the first turn of the loop after the runs were asked for.
    let loopTurned = false
    const sized = (name: string, bytes: number) => async () => {
      log.push(`${name}${loopTurned ? ' after a loop turn' : ''}`)
      return bytes
    }
    const runs = [
      turns.run(sized('small', SMALL_ANSWER_BYTES), () => false),
      turns.run(sized('next', 10), () => false),
      turns.run(sized('large', SMALL_ANSWER_BYTES + 1), () => false),
      turns.run(sized('last', 10), () => false),
    ]
    setImmediate(() => (loopTurned = true))
    await Promise.all(runs)
    // Small answers hold the loop no longer than any request: a crowd of them is not paced at one per
    // turn of the loop. After a large one the loop is let go first.
    assert.deepEqual(log, ['small', 'next', 'large', 'last after a loop turn'])
  })
})

describe('the operations built in turn', () => {
  it('are the reads of large answers that do not wait: not long polls, not small answers', () => {
    const inTurn = [...loadContract().operations.values()].filter((op) => op.builtInTurn).map((op) => op.operationId)
    assert.deepEqual(inTurn.sort(), ['getBlock', 'getJob', 'listExplorerReceipts', 'listJobs', 'listReceipts', 'listTransactions'])
  })
})
