// The lease sweeper runs one sweep at a time, and a shutdown waits for the one in flight: its changes
// come before the last block is sealed and the store is closed, never during the close.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {ManualClock} from '../../src/server/clock.js'
import {LeaseSweeper, type LeaseExpirer} from '../../src/server/jobs/lease-sweeper.js'

/** Expiry whose lease sweeps end only when the test says, recording the time each was run for. */
function heldExpirer() {
  const runs: number[] = []
  const releases: Array<() => void> = []
  const expirer: LeaseExpirer = {
    expireLeases: (now) => {
      runs.push(now.getTime())
      return new Promise<number>((resolve) => releases.push(() => resolve(0)))
    },
    expirePending: async () => 0,
  }
  return {expirer, runs, release: () => releases.shift()!()}
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('LeaseSweeper', () => {
  it('stop() resolves only once the sweep in flight has finished', async () => {
    const {expirer, runs, release} = heldExpirer()
    const sweeper = new LeaseSweeper(expirer, 60, () => undefined, new ManualClock())
    sweeper.start()
    await tick()
    assert.equal(runs.length, 1, 'the start sweep runs')
    let stopped = false
    const stopping = sweeper.stop().then(() => (stopped = true))
    await tick()
    assert.equal(stopped, false, 'still sweeping')
    release()
    await stopping
    assert.equal(stopped, true)
  })

  it('a sweep asked for while one runs follows it, at the clock time it then has', async () => {
    const {expirer, runs, release} = heldExpirer()
    const clock = new ManualClock()
    const sweeper = new LeaseSweeper(expirer, 60, () => undefined, clock)
    const first = sweeper.sweep()
    await tick()
    clock.advance(5000)
    const second = sweeper.sweep()
    await tick()
    assert.equal(runs.length, 1, 'not two at once')
    release()
    await first
    await tick()
    assert.deepEqual(runs, [runs[0], runs[0] + 5000])
    release()
    await second
    await sweeper.stop()
  })
})
