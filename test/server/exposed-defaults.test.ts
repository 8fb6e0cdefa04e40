// Listening beyond loopback turns on a rate limit unless the operator set one; serve says so.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {EXPOSED_RATE_LIMIT, isLoopback, rateLimitFor} from '../../src/server/serve-flags.js'

describe('the rate limit when exposed', () => {
  it('is off on loopback, on elsewhere with a notice, and what the operator says whenever it is set', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) {
      assert.equal(isLoopback(host), true, host)
      assert.deepEqual(rateLimitFor(host, undefined), {rate: 0})
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.org']) {
      const chosen = rateLimitFor(host, undefined)
      assert.equal(chosen.rate, EXPOSED_RATE_LIMIT, host)
      assert.match(chosen.notice!, /not loopback.*--rate-limit 0 turns it off/)
    }
    assert.deepEqual(rateLimitFor('0.0.0.0', 0), {rate: 0}, '--rate-limit 0 switches it off')
    assert.deepEqual(rateLimitFor('0.0.0.0', 5), {rate: 5})
  })
})
