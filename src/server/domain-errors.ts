// What the coordinator's services refuse, in their own terms; the HTTP layer (http/error-middleware.ts)
// maps each kind to a status and error_code. Services never build HTTP answers themselves.

export type DomainErrorKind = 'not_found' | 'conflict' | 'forbidden' | 'too_large' | 'unauthorized' | 'limit_reached' | 'miner_cooling_down'

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly detail: string,
    /** For a refusal that passes (a cap, a cool-down): whole seconds after which trying again may work. */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail)
    this.name = 'DomainError'
  }
}

/** No such thing, or not one the caller may see (the two are not told apart). */
export const notFound = (detail: string) => new DomainError('not_found', detail)
/** The thing is not in a state that allows this (a job already ended, a name taken). */
export const conflict = (detail: string) => new DomainError('conflict', detail)
/** The caller's role or identity may not do this. */
export const forbidden = (detail: string) => new DomainError('forbidden', detail)
/** A job's prompt is over the configured limit. */
export const promptTooLarge = (size: number, limit: number) =>
  new DomainError('too_large', `body field prompt is ${size} bytes, larger than the limit of ${limit} bytes; send a shorter prompt`)
/** The caller's key stopped being valid while its request waited (it was revoked). */
export const unauthorized = (detail: string) => new DomainError('unauthorized', detail)
/** A cap of the coordinator (named with its flag in `detail`) was reached: try again later. */
export const limitReached = (detail: string, retryAfterSeconds: number) =>
  new DomainError('limit_reached', detail, Math.max(1, Math.ceil(retryAfterSeconds)))
/** A miner that failed too many jobs gets none until its cool-down ends. */
export const minerCoolingDown = (detail: string, retryAfterSeconds: number) =>
  new DomainError('miner_cooling_down', detail, Math.max(1, Math.ceil(retryAfterSeconds)))
