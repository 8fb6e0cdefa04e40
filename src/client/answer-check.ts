// Every answer is checked against the contract before a command sees it: JSON, a status the operation
// defines, and the shape of its schema (errors: the one Error schema). What fails is "the server at URL
// does not speak the AITBC API (...)", never `undefined` printed as if it were data. The checks are
// compiled ahead of time (./answer-checks.ts, by `npm run gen:types`) and loaded on the first answer.
import {BadAnswerError} from './errors.js'
import type {Answer, Exchange} from './transport.js'

interface Check {
  (data: unknown): boolean
  errors?: {instancePath: string; message?: string}[] | null
}

interface Checks {
  error: Check
  ANSWER_CHECKS: Record<string, Record<string, Check>>
}

let checks: Promise<Checks> | undefined

/** As fetch's Response.text() reads a body: UTF-8, a leading BOM dropped, bad bytes replaced. */
const UTF8 = new TextDecoder()

export function answerText(answer: Answer): string {
  return UTF8.decode(answer.body)
}

/** The answer's JSON document, parsed once, once it matches what the contract says `schemaPath` answers. */
export async function checkedAnswer(call: Pick<Exchange, 'url' | 'method'>, answer: Answer, schemaPath: string): Promise<unknown> {
  const where = call.url.origin
  const operation = `${call.method} ${schemaPath}`
  const {status} = answer
  const type = (answer.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new BadAnswerError(where, `answered HTTP ${status} with ${type || 'no content type'}, not the AITBC API`)
  }
  let data: unknown
  try {
    data = JSON.parse(answerText(answer))
  } catch {
    throw new BadAnswerError(where, `answered HTTP ${status} with JSON that does not parse, not the AITBC API`)
  }
  checks ??= import('./answer-checks.js') as Promise<Checks>
  const {error, ANSWER_CHECKS} = await checks
  const check = status >= 400 ? error : ANSWER_CHECKS[operation]?.[String(status)]
  if (!check) throw new BadAnswerError(where, `does not speak the AITBC API (${operation} answered HTTP ${status}, which the contract does not define)`)
  if (!check(data)) throw new BadAnswerError(where, `does not speak the AITBC API (${operation}: ${describe(check.errors)})`)
  return data
}

/** ajv's first error as a phrase: `field 0.status must be equal to one of the allowed values`. */
function describe(errors: Check['errors']): string {
  const first = errors?.[0]
  if (!first) return 'the answer does not match the contract'
  const field = first.instancePath ? `field ${first.instancePath.slice(1).replaceAll('/', '.')}` : 'the answer'
  return `${field} ${first.message ?? 'does not match the contract'}`
}
