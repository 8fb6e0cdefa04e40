// What can go wrong talking to a coordinator, as typed errors the CLI maps to exit codes.

/** Longer error texts from a server are cut: a message is for reading, not for carrying data. */
export const MAX_MESSAGE_CHARS = 1000

/** `text` cut to `max` characters (code points), saying how much was left out. */
export function cutText(text: string, max = MAX_MESSAGE_CHARS): string {
  if (text.length <= max) return text
  const chars = [...text]
  if (chars.length <= max) return text
  return `${chars.slice(0, max).join('')}… (${(chars.length - max).toLocaleString('en-US')} more characters)`
}

/** The coordinator answered with an error document `{detail, error_code}`. */
export class ApiError extends Error {
  readonly detail: string

  constructor(
    readonly status: number,
    readonly errorCode: string,
    detail: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(cutText(detail))
    this.name = 'ApiError'
    this.detail = this.message
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

/**
 * Something answered at the URL, but not as an AITBC coordinator does: a redirect, an answer that is
 * not JSON (a proxy's error page), one larger than the limit, or one outside the contract.
 */
export class BadAnswerError extends Error {
  constructor(
    readonly url: string,
    readonly what: string,
  ) {
    super(`the server at ${url} ${what}`)
    this.name = 'BadAnswerError'
  }
}
