// A signal that aborts when the caller's does or when a time limit passes, on a plain timer.
// Not AbortSignal.any/AbortSignal.timeout: on Node 20 a combined signal stops firing once garbage
// collection has run (issue 15), which left jobs and backend calls without their time limit.

export interface Deadline {
  readonly signal: AbortSignal
  /** True when the time limit (not the caller) aborted it. */
  timedOut(): boolean
  /** Stops the timer and lets go of the caller's signal; call it when the work is over. */
  clear(): void
}

export function withDeadline(parent: AbortSignal, ms?: number): Deadline {
  const controller = new AbortController()
  let expired = false
  const onAbort = () => controller.abort(parent.reason)
  if (parent.aborted) controller.abort(parent.reason)
  else parent.addEventListener('abort', onAbort, {once: true})
  const timer =
    ms === undefined || !Number.isFinite(ms)
      ? undefined
      : setTimeout(() => {
          expired = true
          controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError'))
        }, ms)
  return {
    signal: controller.signal,
    timedOut: () => expired,
    clear() {
      clearTimeout(timer)
      parent.removeEventListener('abort', onAbort)
    },
  }
}
