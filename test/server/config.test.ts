// resolveConfig is the last check of a coordinator's settings, for those given in code (tests, embedders)
// as much as for the serve flags, which refuse the same values with their own names.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {MAX_TIMER_SECONDS} from '../../src/protocol/timers.js'
import {DEFAULT_CONFIG, resolveConfig} from '../../src/server/config.js'

describe('resolveConfig', () => {
  it('takes the defaults and overrides within their bounds', () => {
    assert.deepEqual(resolveConfig(), {...DEFAULT_CONFIG, modelPrices: {...DEFAULT_CONFIG.modelPrices}})
    assert.equal(resolveConfig({leaseSeconds: MAX_TIMER_SECONDS}).leaseSeconds, MAX_TIMER_SECONDS)
  })

  for (const [overrides, message] of [
    [{leaseSeconds: 0}, /leaseSeconds must be a positive number/],
    [{blockIntervalSeconds: Number.NaN}, /blockIntervalSeconds must be a positive number/],
    [{leaseSeconds: MAX_TIMER_SECONDS + 1}, /leaseSeconds must be at most 2147483 \(the longest a timer can wait\)/],
    [{sendTimeoutSeconds: 1e12}, /sendTimeoutSeconds must be at most/],
    [{maxAttempts: 1.5}, /maxAttempts must be a positive integer/],
    [{headersTimeoutSeconds: 90, requestTimeoutSeconds: 60}, /--headers-timeout <= --request-timeout/],
    [{modelPrices: {llama: -1}}, /the price of llama must be a number >= 0/],
  ] as const) {
    it(`refuses ${JSON.stringify(overrides)}`, () => assert.throws(() => resolveConfig(overrides), message))
  }
})
