// Requests no route answered: a path the contract knows with another method is 405 with Allow (or the
// Allow list itself for OPTIONS); any other path is 404. Both as `{detail, error_code}`.
import type {Context} from 'koa'

import {ApiError, notFound} from './api-error.js'
import {pathPattern, type Contract} from './contract.js'

export function unmatchedRequests(contract: Contract) {
  const paths = new Map<string, {pattern: RegExp; methods: Set<string>}>()
  for (const op of contract.operations.values()) {
    const entry = paths.get(op.path) ?? {pattern: pathPattern(op.path), methods: new Set<string>(['OPTIONS'])}
    entry.methods.add(op.method)
    if (op.method === 'GET') entry.methods.add('HEAD')
    paths.set(op.path, entry)
  }
  return async function unmatched(ctx: Context): Promise<void> {
    const allowed = new Set<string>()
    for (const {pattern, methods} of paths.values()) if (pattern.test(ctx.path)) methods.forEach((m) => allowed.add(m))
    if (allowed.size === 0) throw notFound(`no such endpoint: ${ctx.method} ${ctx.path}`)
    const allow = [...allowed].join(', ')
    if (ctx.method === 'OPTIONS') {
      ctx.status = 204
      ctx.set('Allow', allow)
      return
    }
    throw new ApiError(405, 'method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}; allowed: ${allow}`, {Allow: allow})
  }
}
