// Job states and the moves between them: pending -> running -> completed | failed | cancelled.
export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled'])

export function isFinal(status: JobStatus): boolean {
  return FINAL_STATUSES.has(status)
}
