// The seed's job defaults (model llama3.2, max_tokens 256, temperature 0.7, top_p 0.9), read from the
// contract so there is one place that says them.
import type {Contract} from '../http/contract.js'
import type {JobParams} from '../store/records.js'

export interface JobDefaults {
  model: string
  params: JobParams
}

export function jobDefaults(contract: Contract): JobDefaults {
  const request = contract.schemas.JobRequest as {properties: {model: {default: string}}}
  const params = contract.schemas.JobParams as {properties: Record<keyof JobParams, {default: number}>}
  const defaults = {
    model: request.properties.model.default,
    params: {
      max_tokens: params.properties.max_tokens.default,
      temperature: params.properties.temperature.default,
      top_p: params.properties.top_p.default,
    },
  }
  if (typeof defaults.model !== 'string' || Object.values(defaults.params).some((v) => typeof v !== 'number')) {
    throw new Error('openapi: JobRequest.model and JobParams need defaults')
  }
  return defaults
}
