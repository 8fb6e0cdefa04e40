// What can go wrong talking to a coordinator, as typed errors the CLI maps to exit codes.

/** Longer error texts from a server are cut: a message is for reading, not for carrying data. */
export const MAX_MESSAGE_CHARS = 1000

/**
 * `text` cut to `max` characters (code points), saying how much was left out. Counted in place: an
 * array of a 50 MB message's characters took 1.5 GB and 20 s.
 */
export function cutText(text: string, max = MAX_MESSAGE_CHARS): string {
  if (text.length <= max) return text
  let end = 0
  for (let kept = 0; kept < max && end < text.length; kept++) end += isPair(text, end) ? 2 : 1
  if (end >= text.length) return text
  // The rest in UTF-16 units, less one for each surrogate pair in it.
  let left = text.length - end
  SURROGATE_PAIR.lastIndex = end
  while (SURROGATE_PAIR.exec(text)) left--
  return `${text.slice(0, end)}… (${left.toLocaleString('en-US')} more characters)`
}

const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g

/** A surrogate pair (one character in two UTF-16 units) starts at `at`. */
function isPair(text: string, at: number): boolean {
  const unit = text.charCodeAt(at)
  if (unit < 0xd800 || unit > 0xdbff) return false
  const next = text.charCodeAt(at + 1)
  return next >= 0xdc00 && next <= 0xdfff
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
