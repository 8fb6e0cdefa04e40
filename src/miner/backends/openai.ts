// OpenAI-compatible servers (llama.cpp server, vLLM, LM Studio and the like): GET /v1/models for the
// models, POST /v1/chat/completions per job (the prompt as one user message, or a chat job's messages),
// `stream: false`, or streamed as Server-Sent Events when the miner streams.
import {type BackendLimits, BackendError, DEFAULT_LIST_TIMEOUT_MS, DEFAULT_MAX_ANSWER_BYTES, type Generation, type GenerationRequest, type InferenceBackend, LIST_TIMEOUT_FLAG} from './backend.js'
import {baseUrl, errorMessage, parseObject, requestJson, requestLines, tokenCount} from './http-json.js'

/** llama.cpp's `llama-server` default; vLLM listens on 8000 and LM Studio on 1234. */
export const OPENAI_DEFAULT_URL = 'http://127.0.0.1:8080'

export class OpenAiBackend implements InferenceBackend {
  readonly kind = 'openai'
  readonly target: string
  private readonly who: string
  private readonly headers: Record<string, string>
  private readonly maxBytes: number
  private readonly listTimeoutMs: number

  /** `url` may be given with or without the trailing `/v1`. */
  constructor(url: string = OPENAI_DEFAULT_URL, apiKey?: string, limits: BackendLimits = {}) {
    this.target = baseUrl(url, '/v1')
    this.who = `OpenAI-compatible server at ${this.target}`
    this.headers = apiKey ? {Authorization: `Bearer ${apiKey}`} : {}
    this.maxBytes = limits.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES
    this.listTimeoutMs = limits.listTimeoutMs ?? DEFAULT_LIST_TIMEOUT_MS
  }

  async listModels(signal: AbortSignal = new AbortController().signal): Promise<string[]> {
    const body = await requestJson(`${this.target}/v1/models`, {method: 'GET', signal, headers: this.headers, timeoutMs: this.listTimeoutMs, timeoutFlag: LIST_TIMEOUT_FLAG, maxBytes: this.maxBytes}, this.who)
    if (!Array.isArray(body.data)) throw new BackendError(`${this.who} answered /v1/models without a data list`, 'failed')
    return (body.data as Array<{id?: unknown}>).flatMap((entry) => (typeof entry?.id === 'string' ? [entry.id] : []))
  }

  async check(signal: AbortSignal): Promise<void> {
    await this.listModels(signal)
  }

  async generate(request: GenerationRequest, signal: AbortSignal): Promise<Generation> {
    const url = `${this.target}/v1/chat/completions`
    const body = {
      model: request.model,
      messages: request.messages ?? [{role: 'user', content: request.prompt}],
      max_tokens: request.params.max_tokens,
      temperature: request.params.temperature,
      top_p: request.params.top_p,
    }
    if (!request.onText) {
      const answer = await requestJson(url, {method: 'POST', signal, headers: this.headers, body: {...body, stream: false}, maxBytes: this.maxBytes}, this.who)
      const choice = Array.isArray(answer.choices) ? (answer.choices[0] as {message?: {content?: unknown}} | undefined) : undefined
      const text = choice?.message?.content
      if (typeof text !== 'string') throw new BackendError(`${this.who} answered /v1/chat/completions without a message`, 'failed')
      const usage = answer.usage as {completion_tokens?: unknown} | undefined
      return {text, units: tokenCount(usage?.completion_tokens)}
    }
    const onText = request.onText
    let text = ''
    let units: number | undefined
    let done = false
    const streamed = {...body, stream: true, stream_options: {include_usage: true}}
    await requestLines(url, {method: 'POST', signal, headers: this.headers, body: streamed, maxBytes: this.maxBytes}, this.who, 'text/event-stream', (line) => {
      // Server-Sent Events: only `data:` lines carry chunks; comments, ids and blank lines do not.
      if (!line.startsWith('data:')) return
      const data = line.slice(5).trim()
      if (data === '[DONE]') {
        done = true
        return
      }
      const chunk = parseObject(data)
      if (!chunk) throw new BackendError(`${this.who} streamed an event that is not a JSON object`, 'failed')
      const failure = errorMessage(chunk)
      if (failure !== undefined) throw new BackendError(`${this.who} failed while generating: ${failure}`, 'failed')
      const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as {delta?: {content?: unknown}} | undefined) : undefined
      const piece = choice?.delta?.content
      if (typeof piece === 'string' && piece) {
        text += piece
        onText(piece)
      }
      const usage = chunk.usage as {completion_tokens?: unknown} | undefined | null
      units = tokenCount(usage?.completion_tokens) ?? units
    })
    if (!done) throw new BackendError(`${this.who} ended its /v1/chat/completions stream without [DONE]`, 'failed')
    return {text, units}
  }
}
