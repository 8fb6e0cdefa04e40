// What can go wrong talking to a coordinator, as typed errors the CLI maps to exit codes.

/** The coordinator answered with an error document `{detail, error_code}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly detail: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(detail)
    this.name = 'ApiError'
  }
}

/** No answer from the coordinator: refused, reset, DNS, or timed out. */
export class UnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach the coordinator at ${url}: ${reason}`)
    this.name = 'UnreachableError'
  }
}
