// On the OpenAI-compatible routes every error is in OpenAI's shape, `{error: {message, type, param,
// code}}`, so OpenAI clients report it as they would OpenAI's own. It rewrites the answers of the
// error middleware (which it wraps), keeping their status and headers (Retry-After, WWW-Authenticate).
import type {Context, Next} from 'koa'

export const GATEWAY_PATHS: ReadonlySet<string> = new Set(['/v1/chat/completions', '/v1/models'])

export interface OpenAiErrorBody {
  error: {message: string; type: string; param: string | null; code: string | null}
}

export function openAiError(status: number, message: string, code: string | null): OpenAiErrorBody {
  return {error: {message, type: errorType(status), param: null, code}}
}

function errorType(status: number): string {
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 429) return 'rate_limit_error'
  if (status === 504) return 'timeout'
  if (status >= 500) return 'server_error'
  return 'invalid_request_error'
}

export function openAiErrors() {
  return async function openAiErrorShape(ctx: Context, next: Next): Promise<void> {
    await next()
    // The status first: it is a field, the path is parsed from the URL (every answer passes here).
    if (ctx.status < 400 || typeof ctx.body !== 'string' || !GATEWAY_PATHS.has(ctx.path.replace(/\/+$/, ''))) return
    let parsed: {detail?: unknown; error_code?: unknown}
    try {
      parsed = JSON.parse(ctx.body) as typeof parsed
    } catch {
      return
    }
    if (typeof parsed.detail !== 'string') return
    ctx.body = JSON.stringify(openAiError(ctx.status, parsed.detail, typeof parsed.error_code === 'string' ? parsed.error_code : null))
  }
}
