// OpenAI-compatible servers (llama.cpp server, vLLM, LM Studio and the like): GET /v1/models for the
// models, POST /v1/chat/completions per job.
import {BackendError, type Generation, type GenerationRequest, type InferenceBackend} from './backend.js'
import {baseUrl, LIST_TIMEOUT_MS, requestJson, tokenCount} from './http-json.js'

/** llama.cpp's `llama-server` default; vLLM listens on 8000 and LM Studio on 1234. */
export const OPENAI_DEFAULT_URL = 'http://127.0.0.1:8080'

export class OpenAiBackend implements InferenceBackend {
  readonly kind = 'openai'
  readonly target: string
  private readonly who: string
  private readonly headers: Record<string, string>

  /** `url` may be given with or without the trailing `/v1`. */
  constructor(url: string = OPENAI_DEFAULT_URL, apiKey?: string) {
    this.target = baseUrl(url, '/v1')
    this.who = `OpenAI-compatible server at ${this.target}`
    this.headers = apiKey ? {Authorization: `Bearer ${apiKey}`} : {}
  }

  async listModels(signal: AbortSignal = new AbortController().signal): Promise<string[]> {
    const body = await requestJson(`${this.target}/v1/models`, {method: 'GET', signal, headers: this.headers, timeoutMs: LIST_TIMEOUT_MS}, this.who)
    if (!Array.isArray(body.data)) throw new BackendError(`${this.who} answered /v1/models without a data list`, 'failed')
    return (body.data as Array<{id?: unknown}>).flatMap((entry) => (typeof entry?.id === 'string' ? [entry.id] : []))
  }

  async check(signal: AbortSignal): Promise<void> {
    await this.listModels(signal)
  }

  async generate(request: GenerationRequest, signal: AbortSignal): Promise<Generation> {
    const body = await requestJson(
      `${this.target}/v1/chat/completions`,
      {
        method: 'POST',
        signal,
        headers: this.headers,
        body: {
          model: request.model,
          messages: [{role: 'user', content: request.prompt}],
          max_tokens: request.params.max_tokens,
          temperature: request.params.temperature,
          top_p: request.params.top_p,
          stream: false,
        },
      },
      this.who,
    )
    const choice = Array.isArray(body.choices) ? (body.choices[0] as {message?: {content?: unknown}} | undefined) : undefined
    const text = choice?.message?.content
    if (typeof text !== 'string') throw new BackendError(`${this.who} answered /v1/chat/completions without a message`, 'failed')
    const usage = body.usage as {completion_tokens?: unknown} | undefined
    return {text, units: tokenCount(usage?.completion_tokens)}
  }
}
