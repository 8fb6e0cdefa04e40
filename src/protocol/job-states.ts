// Job states and the moves between them: pending -> running -> completed | failed | cancelled, and a
// pending job nobody claimed in time -> expired.
export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'expired'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled', 'expired'])

export function isFinal(status: JobStatus): boolean {
  return FINAL_STATUSES.has(status)
}
