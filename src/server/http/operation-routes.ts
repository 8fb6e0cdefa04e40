// Finds the operation a request is for, once per request. The contract's paths are few and fixed, so
// this is a table, not a general router: a path without parameters is one Map lookup (POST /v1/jobs,
// the busiest), and only the templated ones are tried as patterns. @koa/router did this before; it
// matched every route's pattern per request (with a debug call each) and composed a middleware chain
// per request, several percent of a POST's CPU.
//
// Paths match exactly and case-sensitively: `/v1/jobs/` (an empty job id spelled into a path) is not
// `/v1/jobs`, the job list. A path without parameters wins over a template that also matches it
// (`GET /v1/jobs/available` is not `GET /v1/jobs/{job_id}`). HEAD is answered by GET, as Node answers
// HEAD: the same headers, no body.
import type {Context, Next} from 'koa'

import {pathPattern} from './contract.js'

export type RouteHandler = (ctx: Context) => Promise<void>

interface Template {
  pattern: RegExp
  names: string[]
  methods: Map<string, RouteHandler>
}

export class OperationRoutes {
  private readonly exact = new Map<string, Map<string, RouteHandler>>()
  private readonly templates: Template[] = []

  /** `path` as the contract writes it: `/v1/jobs/{job_id}`. */
  add(method: string, path: string, handler: RouteHandler): void {
    const names = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1])
    let methods: Map<string, RouteHandler>
    if (names.length === 0) {
      methods = this.exact.get(path) ?? new Map()
      this.exact.set(path, methods)
    } else {
      const pattern = pathPattern(path)
      let template = this.templates.find((t) => t.pattern.source === pattern.source)
      if (!template) this.templates.push((template = {pattern, names, methods: new Map()}))
      methods = template.methods
    }
    if (methods.has(method)) throw new Error(`${method} ${path} is routed twice`)
    methods.set(method, handler)
  }

  /** Runs the request's operation, or the next middleware (404 and 405) when there is none. */
  middleware(): (ctx: Context, next: Next) => Promise<void> {
    return (ctx, next) => {
      const path = ctx.path
      const method = ctx.method === 'HEAD' ? 'GET' : ctx.method
      const handler = this.exact.get(path)?.get(method)
      if (handler) {
        ctx.params = {}
        return handler(ctx)
      }
      for (const {pattern, names, methods} of this.templates) {
        const found = methods.get(method)
        const match = found && pattern.exec(path)
        if (!match) continue
        const params: Record<string, string> = {}
        for (let i = 0; i < names.length; i++) params[names[i]] = decodeSegment(match[i + 1])
        ctx.params = params
        return found(ctx)
      }
      return next()
    }
  }
}

/** A percent-encoded segment decoded; one that is not valid UTF-8 percent-encoding is kept as sent. */
function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
