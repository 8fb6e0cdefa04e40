// The flags of `jobs submit` that become the job request, checked locally against the contract's
// ranges (openapi/aitbc.yaml JobParams) so a typo fails at once with the flag's name.
import {Flags} from '@oclif/core'

import type {JobSubmission} from '../client/jobs.js'
import {numberFlag} from './number-flags.js'

export const jobRequestFlags = {
  model: Flags.string({summary: "Model to run [default: the coordinator's, llama3.2]."}),
  'max-tokens': Flags.integer({summary: 'Most tokens to generate (1-32768) [default: 256].', min: 1, max: 32_768}),
  temperature: numberFlag({min: 0, max: 2})({summary: 'Sampling temperature (0-2) [default: 0.7].'}),
  'top-p': numberFlag({min: 0, max: 1})({summary: 'Nucleus sampling mass (0-1) [default: 0.9].'}),
}

interface JobRequestFlagValues {
  model?: string
  'max-tokens'?: number
  temperature?: number
  'top-p'?: number
}

/** The request body: only what the user set, so the coordinator's defaults apply to the rest. */
export function jobRequest(prompt: string, flags: JobRequestFlagValues): JobSubmission {
  const params: NonNullable<JobSubmission['params']> = {}
  if (flags['max-tokens'] !== undefined) params.max_tokens = flags['max-tokens']
  if (flags.temperature !== undefined) params.temperature = flags.temperature
  if (flags['top-p'] !== undefined) params.top_p = flags['top-p']
  return {prompt, ...(flags.model ? {model: flags.model} : {}), ...(Object.keys(params).length > 0 ? {params} : {})}
}
