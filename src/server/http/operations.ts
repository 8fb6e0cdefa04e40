// Registers contract operations and routes requests to them (operation-routes.ts). For each operation
// the contract decides the method and path, who may call it (`security: []` or `x-aitbc-roles`) and
// what input is valid; the handler only gets an authenticated principal and validated input. Order per request: key (401), rate (429, per
// principal, or per client address for public operations),
// role (403), body (413, 400 invalid_json), schema (400), then the handler, so nothing unauthenticated
// is parsed. Large reads wait for their turn (503 past the queue) after the role check, before the body.
import type {Context, Next} from 'koa'

import type {OperationId, OperationInput} from '../../contract/operation-input.js'
import type {Principal} from '../auth/api-keys.js'
import type {KeyCache} from '../auth/key-cache.js'
import {forbidden, unauthorized} from './api-error.js'
import type {Contract, OperationSpec} from './contract.js'
import {readJsonBody} from './json-body.js'
import {bodyBytes, type AnswerMemory} from './answer-limits.js'
import type {AnswerTurns} from './answer-turns.js'
import {OperationRoutes} from './operation-routes.js'
import type {RateLimiter} from './rate-limit.js'
import {RequestValidator} from './request-validator.js'

/** A validated request of one operation: its input typed from the contract. */
export interface OperationRequest<Op extends OperationId> extends OperationInput<Op> {
  /** Undefined only for public operations. */
  principal: Principal | undefined
  ctx: Context
}

export type Reply =
  | ({status?: number; headers?: Record<string, string>} & ({body: unknown} | {html: string} | {content: string | Buffer; type: string}))
  /** The handler wrote the answer itself (a stream of events), straight to the connection. */
  | {written: true}

export type OperationHandler<Op extends OperationId> = (request: OperationRequest<Op>) => Reply | Promise<Reply>

export class Operations {
  private readonly validator: RequestValidator
  private readonly defined = new Set<string>()
  private readonly routing = new OperationRoutes()

  constructor(
    readonly contract: Contract,
    private readonly keys: KeyCache,
    private readonly bodyLimitBytes: number,
    private readonly rateLimiter?: RateLimiter,
    private readonly answers?: AnswerMemory,
    private readonly turns?: AnswerTurns,
    /** By operation, what a 413 for a too-large body adds: the prompt limit for the operations that take one. */
    private readonly tooLargeNotes: Partial<Record<OperationId, string>> = {},
  ) {
    this.validator = RequestValidator.for(contract)
  }

  define<Op extends OperationId>(operationId: Op, handler: OperationHandler<Op>): void {
    const op = this.contract.operations.get(operationId)
    if (!op) throw new Error(`openapi/aitbc.yaml has no operation ${operationId}`)
    if (this.defined.has(operationId)) throw new Error(`operation ${operationId} is defined twice`)
    this.defined.add(operationId)
    const validate = this.validator.compile(op)
    // Koa parses the query string when asked (an object or two per request): only for operations that take one.
    const takesQuery = op.parameters.some((p) => p.in === 'query')
    // Validates the input, runs the handler and sets the answer: in turn for large reads (answer-turns.ts).
    // Resolves to the answer's bytes, for the turns.
    const answer = async (ctx: Context, principal: Principal | undefined): Promise<number | void> => {
      const body = op.requestBody ? await readJsonBody(ctx.req, this.bodyLimitBytes, this.tooLargeNotes[operationId]) : {present: false, value: undefined}
      const input = validate({params: ctx.params ?? {}, query: takesQuery ? ctx.query : {}, headers: ctx.headers, body: body.value, hasBody: body.present})
      // The one place input meets its type: the validator has just checked it against the same contract.
      const reply = await handler({...input, principal, ctx} as unknown as OperationRequest<Op>)
      if ('written' in reply) {
        ctx.respond = false
        return
      }
      ctx.status = reply.status ?? 200
      if (reply.headers) ctx.set(reply.headers)
      if ('html' in reply) {
        ctx.type = 'text/html; charset=utf-8'
        ctx.body = reply.html
      } else if ('content' in reply) {
        ctx.type = reply.type
        ctx.body = reply.content
      } else {
        ctx.type = 'application/json'
        // Serialised here so that `null` (no job available) is sent as JSON, not as an empty 204.
        ctx.body = JSON.stringify(reply.body)
      }
      return bodyBytes(ctx.body)
    }
    this.routing.add(op.method, op.path, async (ctx: Context) => {
      const principal = await this.authorize(op, ctx.get('x-api-key') || (op.bearer ? bearerToken(ctx.get('authorization')) : undefined), ctx.ip)
      if (op.largeAnswer && this.answers?.full) throw this.answers.refusal()
      if (!op.builtInTurn || !this.turns) return void (await answer(ctx, principal))
      await this.turns.run(() => answer(ctx, principal), () => ctx.req.socket.destroyed)
    })
  }

  /** The middleware that runs the operation a request is for (operation-routes.ts), else the next one. */
  routes(): (ctx: Context, next: Next) => Promise<void> {
    return this.routing.middleware()
  }

  /** Throws if the contract has operations nobody defined: the server implements all of it. */
  assertComplete(): void {
    const missing = [...this.contract.operations.keys()].filter((id) => !this.defined.has(id))
    if (missing.length) throw new Error(`operations without a handler: ${missing.join(', ')}`)
  }

  private async authorize(op: OperationSpec, presented: string | undefined, address: string): Promise<Principal | undefined> {
    if (!op.roles) {
      // Public operations have no principal: they are limited per client address instead.
      this.rateLimiter?.take(`client address ${address}`)
      return undefined
    }
    const result = await this.keys.authenticate(presented)
    if ('failure' in result) throw unauthorized(result.failure)
    // Counted before the role check, so calls a key may not make still cost it.
    this.rateLimiter?.take(result.principal.name)
    if (!op.roles.includes(result.principal.role)) {
      // In words a user sees (the method and path), not the contract's operation id.
      const withArticle = (role: string) => `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}`
      throw forbidden(`${withArticle(result.principal.role)} key may not call ${op.method} ${op.path}; it needs ${op.roles.map(withArticle).join(' or ')} key`)
    }
    return result.principal
  }
}

/** The key of `Authorization: Bearer <key>` (what OpenAI clients send), on operations that take it. */
function bearerToken(header: string): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1]
}

/** The principal of an operation that declares roles; the contract guarantees it is set. */
export function principalOf(request: {principal: Principal | undefined}): Principal {
  if (!request.principal) throw new Error('operation without roles asked for a principal')
  return request.principal
}
