// Ollama's native API: GET /api/tags for the models, POST /api/generate (stream: false) per job.
import {BackendError, type Generation, type GenerationRequest, type InferenceBackend} from './backend.js'
import {baseUrl, LIST_TIMEOUT_MS, requestJson, tokenCount} from './http-json.js'

export const OLLAMA_DEFAULT_URL = 'http://127.0.0.1:11434'
const LATEST = ':latest'

export class OllamaBackend implements InferenceBackend {
  readonly kind = 'ollama'
  readonly target: string
  private readonly who: string

  constructor(url: string = OLLAMA_DEFAULT_URL) {
    this.target = baseUrl(url)
    this.who = `ollama at ${this.target}`
  }

  async listModels(signal: AbortSignal = new AbortController().signal): Promise<string[]> {
    const body = await requestJson(`${this.target}/api/tags`, {method: 'GET', signal, timeoutMs: LIST_TIMEOUT_MS}, this.who)
    if (!Array.isArray(body.models)) throw new BackendError(`${this.who} answered /api/tags without a models list`, 'failed')
    const names = new Set<string>()
    for (const entry of body.models as Array<{name?: unknown; model?: unknown}>) {
      const name = typeof entry?.name === 'string' ? entry.name : typeof entry?.model === 'string' ? entry.model : undefined
      if (!name) continue
      names.add(name)
      // Ollama runs "llama3.2" as "llama3.2:latest", and jobs name models without the tag.
      if (name.endsWith(LATEST)) names.add(name.slice(0, -LATEST.length))
    }
    return [...names]
  }

  async check(signal: AbortSignal): Promise<void> {
    await this.listModels(signal)
  }

  async generate(request: GenerationRequest, signal: AbortSignal): Promise<Generation> {
    const body = await requestJson(
      `${this.target}/api/generate`,
      {
        method: 'POST',
        signal,
        body: {
          model: request.model,
          prompt: request.prompt,
          stream: false,
          options: {num_predict: request.params.max_tokens, temperature: request.params.temperature, top_p: request.params.top_p},
        },
      },
      this.who,
    )
    if (typeof body.response !== 'string') throw new BackendError(`${this.who} answered /api/generate without a response text`, 'failed')
    return {text: body.response, units: tokenCount(body.eval_count)}
  }
}
