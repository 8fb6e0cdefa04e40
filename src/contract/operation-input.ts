// What a handler of a contract operation receives once the request passed validation, by operationId:
// path, query, header and body types straight from the generated contract types (defaults filled in,
// as the validator does). Header names are lower case, as Node gives them.
import type {operations} from './validated-input.js'

export type OperationId = keyof operations

type Parameters<Op extends OperationId> = operations[Op]['parameters']
type Lowercased<T> = {[K in keyof T as Lowercase<K & string>]: T[K]}
/** `never` (no such parameters) becomes an empty object. */
type Present<T> = [T] extends [never] ? Record<string, never> : NonNullable<T>

export type OperationPath<Op extends OperationId> = Present<Parameters<Op>['path']>
export type OperationQuery<Op extends OperationId> = Present<Parameters<Op>['query']>
export type OperationHeaders<Op extends OperationId> = Lowercased<Present<Parameters<Op>['header']>>
export type OperationBody<Op extends OperationId> =
  NonNullable<operations[Op]['requestBody']> extends {content: {'application/json': infer Body}} ? Body : undefined

export interface OperationInput<Op extends OperationId> {
  params: OperationPath<Op>
  query: OperationQuery<Op>
  headers: OperationHeaders<Op>
  body: OperationBody<Op>
}
