// What the miner says as it works: one line per event for people (stderr), one JSON object for
// scripts (JSON Lines on stdout).
import type {GpuInfo} from './gpu-info.js'
import type {MinerEvent} from './worker.js'
export type JobOutcome = 'completed' | 'failed' | 'dropped'

export interface JobReport {
  job_id: string
  model: string
  /**
   * completed: the result was delivered and a receipt issued. failed: the backend failed and the
   * coordinator was told. dropped: the coordinator no longer had the job running for this miner
   * (cancelled, or its lease ran out and it went back to the queue), so the result was not taken.
   */
  outcome: JobOutcome
  /** Tokens the receipt bills (completed jobs). */
  units?: number
  /** Seconds the backend spent on the job. */
  seconds: number
  receipt_id?: string
  error?: string
  /** For failed jobs: whether the coordinator put it back in the queue. */
  requeued?: boolean
}

export function describeJobReport(report: JobReport): string {
  const head = `job ${report.job_id} ${report.model}`
  const seconds = `${report.seconds.toFixed(1)} s`
  switch (report.outcome) {
    case 'completed':
      return `${head} completed: ${report.units ?? '?'} tokens in ${seconds}${report.receipt_id ? ` (receipt ${report.receipt_id})` : ''}`
    case 'failed':
      return `${head} failed after ${seconds}: ${report.error}${report.requeued ? ' (back in the queue)' : ''}`
    case 'dropped':
      return `${head} dropped after ${seconds}: ${report.error}`
  }
}

export interface RegistrationReport {
  miner_id: string
  capabilities: string[]
  gpu_info?: GpuInfo
}

/** `where`: the coordinator URL and the backend, e.g. "ollama http://127.0.0.1:11434". */
export function describeMinerEvent(event: MinerEvent, where: {url: string; backend: string}): string {
  switch (event.type) {
    case 'job':
      return describeJobReport(event)
    case 'registered': {
      const gpu = [event.gpu_info?.name, event.gpu_info?.memory].filter(Boolean).join(', ')
      const models = event.capabilities.join(', ')
      return `miner ${event.miner_id} registered at ${where.url}: ${models} on ${where.backend}${gpu ? ` (GPU ${gpu})` : ''}; waiting for jobs`
    }
    case 'warning':
      return `warning: ${event.message}`
    case 'notice':
      return event.message
  }
}

export interface SummaryReport {
  miner_id: string
  jobs: number
  completed: number
  failed: number
  dropped: number
  undelivered: number
}

export function describeSummary(summary: SummaryReport): string {
  const plural = summary.jobs === 1 ? 'job' : 'jobs'
  const parts = [`${summary.completed} completed`, `${summary.failed} failed`, `${summary.dropped} dropped`]
  if (summary.undelivered > 0) parts.push(`${summary.undelivered} not delivered yet`)
  return `miner ${summary.miner_id} stopped after ${summary.jobs} ${plural}: ${parts.join(', ')}`
}
