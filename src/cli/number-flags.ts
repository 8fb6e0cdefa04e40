// Numeric flags and arguments whose mistakes are usage errors (exit 2) naming what is expected: decimal
// numbers in a range (oclif has integers only), e.g. --temperature, --timeout, and integer arguments
// (oclif's own integer argument fails with a plain Error, which would read as a bug).
import {Args, Flags} from '@oclif/core'

import {MAX_TIMER_SECONDS} from '../protocol/timers.js'
import {usageError} from './errors.js'

interface Range {
  min: number
  max?: number
  /** Whether `min` itself is allowed; a timeout of 0 s is not. */
  minInclusive?: boolean
}

function describeRange({min, max, minInclusive = true}: Range): string {
  if (max !== undefined) return minInclusive ? `a number from ${min} to ${max}` : `a number greater than ${min} and at most ${max}`
  return minInclusive ? `a number of at least ${min}` : `a number greater than ${min}`
}

export function numberFlag(range: Range) {
  return Flags.custom<number>({
    async parse(input) {
      const value = input.trim() === '' ? Number.NaN : Number(input)
      const tooLow = range.minInclusive === false ? value <= range.min : value < range.min
      if (!Number.isFinite(value) || tooLow || (range.max !== undefined && value > range.max)) {
        throw usageError(`Expected ${describeRange(range)} but received: ${input}`)
      }
      return value
    },
  })
}

/** Seconds on a timer: more than 0, and no more than a timer can wait (a longer one would fire at once). */
export const secondsFlag = numberFlag({min: 0, minInclusive: false, max: MAX_TIMER_SECONDS})

/** `--timeout SECONDS`: how long to wait for a job before giving up (exit 8). */
export const timeoutFlag = secondsFlag

/** `--unreachable-timeout SECONDS`: how long a waiting command keeps trying while the coordinator is away. */
export const unreachableTimeoutFlag = secondsFlag

/** An integer argument of at least `min`, e.g. a block height. */
export function integerArg(min: number) {
  return Args.custom<number>({
    async parse(input) {
      const value = /^-?\d+$/.test(input.trim()) ? Number(input) : Number.NaN
      if (!Number.isSafeInteger(value) || value < min) throw usageError(`Expected an integer of at least ${min} but received: ${input}`)
      return value
    },
  })
}
