// The miner's own failures: what went wrong and what to do next. cli/errors.ts maps them to exit
// codes (usage: 2; setup: 1; unreachable: 6), so the miner knows nothing of the command line around it.

/**
 * `usage`: the settings given cannot work (fix a flag). `setup`: the machine or its files are not ready.
 * `unreachable`: the coordinator did not answer within --unreachable-timeout.
 */
export type MinerErrorKind = 'usage' | 'setup' | 'unreachable'

export class MinerError extends Error {
  constructor(
    message: string,
    readonly kind: MinerErrorKind,
    readonly hint?: string,
  ) {
    super(message)
    this.name = 'MinerError'
  }
}

export function minerUsageError(message: string, hint?: string): MinerError {
  return new MinerError(message, 'usage', hint)
}
