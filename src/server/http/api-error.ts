// The one error type handlers throw. Every error response is `{detail, error_code}` with a stable,
// snake_case error_code; the list is documented on the Error schema in openapi/aitbc.yaml.

export type ErrorCode =
  | 'invalid_json'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'request_timeout'
  | 'headers_too_large'
  | 'malformed_request'
  | 'rate_limited'
  | 'limit_reached'
  | 'miner_cooling_down'
  | 'internal_error'
  | 'service_unavailable'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: ErrorCode,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail)
    this.name = 'ApiError'
  }

  toJSON(): {detail: string; error_code: string} {
    return {detail: this.detail, error_code: this.errorCode}
  }
}

export const badRequest = (detail: string) => new ApiError(400, 'validation_failed', detail)
export const invalidJson = (detail: string) => new ApiError(400, 'invalid_json', detail)
export const unauthorized = (detail: string) => new ApiError(401, 'unauthorized', detail, {'WWW-Authenticate': 'ApiKey header="X-Api-Key"'})
export const forbidden = (detail: string) => new ApiError(403, 'forbidden', detail)
export const notFound = (detail: string) => new ApiError(404, 'not_found', detail)
/** `note` names the limit a user meets first in this operation's body (a job's prompt), if any. */
export const payloadTooLarge = (limit: number, note?: string) =>
  new ApiError(413, 'payload_too_large', `the request body is larger than the limit of ${limit} bytes (--body-limit)${note ? `; ${note}` : ''}`, {Connection: 'close'})
