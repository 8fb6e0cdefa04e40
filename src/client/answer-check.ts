// Every answer is checked against the contract before a command sees it: JSON, a status the operation
// defines, and the shape of its schema (errors: the one Error schema). What fails is "the server at URL
// does not speak the AITBC API (...)", never `undefined` printed as if it were data. The checks are
// compiled ahead of time (./answer-checks.ts, by `npm run gen:types`) and loaded on the first answer.
import type {Middleware} from 'openapi-fetch'

import {BadAnswerError} from './errors.js'

interface Check {
  (data: unknown): boolean
  errors?: {instancePath: string; message?: string}[] | null
}

interface Checks {
  error: Check
  ANSWER_CHECKS: Record<string, Record<string, Check>>
}

let checks: Promise<Checks> | undefined

export const answerCheck: Middleware = {
  async onResponse({request, response, schemaPath}) {
    const where = new URL(request.url).origin
    const operation = `${request.method} ${schemaPath}`
    const {status} = response
    const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase()
    if (type !== 'application/json' && !type.endsWith('+json')) {
      throw new BadAnswerError(where, `answered HTTP ${status} with ${type || 'no content type'}, not the AITBC API`)
    }
    let data: unknown
    try {
      data = JSON.parse(await response.clone().text())
    } catch {
      throw new BadAnswerError(where, `answered HTTP ${status} with JSON that does not parse, not the AITBC API`)
    }
    checks ??= import('./answer-checks.js') as Promise<Checks>
    const {error, ANSWER_CHECKS} = await checks
    const check = status >= 400 ? error : ANSWER_CHECKS[operation]?.[String(status)]
    if (!check) throw new BadAnswerError(where, `does not speak the AITBC API (${operation} answered HTTP ${status}, which the contract does not define)`)
    if (!check(data)) throw new BadAnswerError(where, `does not speak the AITBC API (${operation}: ${describe(check.errors)})`)
    return undefined
  },
}

/** ajv's first error as a phrase: `field 0.status must be equal to one of the allowed values`. */
function describe(errors: Check['errors']): string {
  const first = errors?.[0]
  if (!first) return 'the answer does not match the contract'
  const field = first.instancePath ? `field ${first.instancePath.slice(1).replaceAll('/', '.')}` : 'the answer'
  return `${field} ${first.message ?? 'does not match the contract'}`
}
