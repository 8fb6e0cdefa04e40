// How jobs look to people: the list table, the key/value view, one-line states, and result text.
import type {Job} from '../client/client.js'
import {inert} from './inert-text.js'
import {age, type Column, fields, groupDigits} from './render.js'

export const JOB_TABLE_HEAD: (string | Column)[] = [{head: 'ID', shorten: 'middle'}, 'STATUS', {head: 'MODEL', shorten: 'end'}, 'AGE', {head: 'MINER', shorten: 'end'}]

export function jobRow(job: Job, now = Date.now()): string[] {
  return [job.job_id, job.status, job.model, age(job.created_at, now), job.miner_id ?? '-']
}

/**
 * The job table: with a CLIENT column when the jobs are of more than one client (what an admin's key
 * lists); a client's own jobs are all its own, and the column would only take width.
 */
export function jobTable(jobs: Job[], now = Date.now()): {head: (string | Column)[]; rows: string[][]} {
  if (new Set(jobs.map((job) => job.client)).size <= 1) return {head: JOB_TABLE_HEAD, rows: jobs.map((job) => jobRow(job, now))}
  return {head: [...JOB_TABLE_HEAD.slice(0, 1), {head: 'CLIENT', shorten: 'end'}, ...JOB_TABLE_HEAD.slice(1)], rows: jobs.map((job) => {
    const [id, ...rest] = jobRow(job, now)
    return [id, job.client, ...rest]
  })}
}

const PREVIEW_CHARS = 60

/** A one-line preview of a long text: "Write a haiku about…  (1,234 chars)". */
export function preview(text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  // Code points, not UTF-16 units: an emoji is one character and is never cut in half.
  const flat = [...text.replace(/\s+/g, ' ').trim()]
  const cut = flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS - 1).join('')}…` : flat.join('')
  return `${cut}  (${groupDigits([...text].length)} chars)`
}

export function jobFields(job: Job): string {
  const {max_tokens: maxTokens, temperature, top_p: topP} = job.params
  return fields([
    ['job', job.job_id],
    ['status', job.status],
    ['model', job.model],
    ['params', `max_tokens=${maxTokens} temperature=${temperature} top_p=${topP}`],
    ['client', job.client],
    ['miner', job.miner_id],
    ['attempts', job.attempts],
    ['created', job.created_at],
    ['started', job.started_at],
    ['completed', job.completed_at],
    ['lease until', job.status === 'running' ? job.lease_expires_at : undefined],
    ['receipt', job.receipt_id],
    ['error', job.error],
    ['prompt', preview(job.prompt)],
    ['result', preview(job.result)],
  ])
}

/** "job_123 running on miner-1", for spinners and notes. */
export function jobState(job: Job): string {
  return job.status === 'running' && job.miner_id ? `${job.job_id} running on ${job.miner_id}` : `${job.job_id} ${job.status}`
}

/**
 * A job's text (result or prompt) as stdout should carry it: a pipe or file gets precisely what was
 * stored; a person at a terminal gets it inert (control characters visible) and ending its line.
 */
export function textForStdout(text: string, stdoutIsTTY: boolean): string {
  if (!stdoutIsTTY) return text
  const shown = inert(text)
  return shown !== '' && !shown.endsWith('\n') ? `${shown}\n` : shown
}
