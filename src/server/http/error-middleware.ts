// The first middleware: turns anything thrown below it into `{detail, error_code}` with the right status.
// Expected failures are ApiErrors (the HTTP layer's) and DomainErrors (the services', mapped here);
// anything else is a bug, answered with a 500 and logged (the log carries the error, never request
// headers, so no API key can end up in it).
import type {Context, Next} from 'koa'

import {DomainError, type DomainErrorKind} from '../domain-errors.js'
import type {Logger} from '../logger.js'
import {StoreUnavailableError} from '../store/store-errors.js'
import {ApiError, type ErrorCode} from './api-error.js'

export function errorMiddleware(log: Logger) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next()
    } catch (thrown) {
      const error = toApiError(thrown)
      if (error.status >= 500) log(`${ctx.method} ${ctx.path} failed: ${describe(thrown)}`)
      ctx.status = error.status
      ctx.set(error.headers)
      ctx.type = 'application/json'
      ctx.body = JSON.stringify(error)
    }
  }
}

const HTTP_ERROR_CODES: Record<number, ErrorCode> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
}

const DOMAIN_STATUSES: Record<DomainErrorKind, [number, ErrorCode]> = {
  not_found: [404, 'not_found'],
  conflict: [409, 'conflict'],
  forbidden: [403, 'forbidden'],
  too_large: [413, 'payload_too_large'],
  unauthorized: [401, 'unauthorized'],
  limit_reached: [429, 'limit_reached'],
  miner_cooling_down: [429, 'miner_cooling_down'],
}

function toApiError(thrown: unknown): ApiError {
  if (thrown instanceof ApiError) return thrown
  if (thrown instanceof DomainError) {
    const [status, code] = DOMAIN_STATUSES[thrown.kind]
    const headers: Record<string, string> = {}
    if (status === 401) headers['WWW-Authenticate'] = 'ApiKey header="X-Api-Key"'
    if (thrown.retryAfterSeconds !== undefined) headers['Retry-After'] = String(thrown.retryAfterSeconds)
    return new ApiError(status, code, thrown.detail, headers)
  }
  if (thrown instanceof StoreUnavailableError) {
    // The store retries on its own (every few seconds); /health says when writing works again.
    return new ApiError(503, 'service_unavailable', `the coordinator cannot write its data (${thrown.message}); it retries by itself, try again later`, {'Retry-After': '5'})
  }
  // Koa and its helpers throw http-errors; keep their status for client errors.
  const status = (thrown as {status?: unknown})?.status
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status, HTTP_ERROR_CODES[status] ?? 'validation_failed', (thrown as Error).message || 'bad request')
  }
  return new ApiError(500, 'internal_error', 'internal error; the coordinator log has the details')
}

function describe(thrown: unknown): string {
  // An unavailable store is an operating condition, not a bug: its reason is enough.
  if (thrown instanceof StoreUnavailableError) return thrown.message
  return thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown)
}
