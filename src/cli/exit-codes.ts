// Exit codes are part of the interface (README "Exit codes"); every mapping to them lives here.
export const ExitCode = {
  OK: 0,
  ERROR: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  AUTH: 4,
  CONFLICT: 5,
  UNREACHABLE: 6,
  JOB_UNSUCCESSFUL: 7,
  TIMEOUT: 8,
  VERIFICATION_FAILED: 10,
  /** Stopped by Ctrl-C (SIGINT), as shells report it: 128 + 2. */
  INTERRUPTED: 130,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** The exit code for an HTTP error status from the coordinator. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return ExitCode.AUTH
  if (status === 404) return ExitCode.NOT_FOUND
  if (status === 409) return ExitCode.CONFLICT
  if (status === 400 || status === 405 || status === 413 || status === 422) return ExitCode.USAGE
  return ExitCode.ERROR
}
