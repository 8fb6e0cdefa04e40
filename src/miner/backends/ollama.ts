// Ollama's native API: GET /api/tags for the models; per job POST /api/generate (a prompt) or
// POST /api/chat (a chat job's messages), `stream: false`, or streamed as NDJSON when the miner streams.
import {type BackendLimits, BackendError, DEFAULT_LIST_TIMEOUT_MS, DEFAULT_MAX_ANSWER_BYTES, type Generation, type GenerationRequest, type InferenceBackend, LIST_TIMEOUT_FLAG} from './backend.js'
import {baseUrl, errorMessage, parseObject, requestJson, requestLines, tokenCount} from './http-json.js'

export const OLLAMA_DEFAULT_URL = 'http://127.0.0.1:11434'
const LATEST = ':latest'

export class OllamaBackend implements InferenceBackend {
  readonly kind = 'ollama'
  readonly target: string
  private readonly who: string
  private readonly maxBytes: number
  private readonly listTimeoutMs: number

  constructor(url: string = OLLAMA_DEFAULT_URL, limits: BackendLimits = {}) {
    this.target = baseUrl(url)
    this.who = `ollama at ${this.target}`
    this.maxBytes = limits.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES
    this.listTimeoutMs = limits.listTimeoutMs ?? DEFAULT_LIST_TIMEOUT_MS
  }

  async listModels(signal: AbortSignal = new AbortController().signal): Promise<string[]> {
    const body = await requestJson(`${this.target}/api/tags`, {method: 'GET', signal, timeoutMs: this.listTimeoutMs, timeoutFlag: LIST_TIMEOUT_FLAG, maxBytes: this.maxBytes}, this.who)
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
    const chat = request.messages !== undefined
    const path = chat ? '/api/chat' : '/api/generate'
    const options = {num_predict: request.params.max_tokens, temperature: request.params.temperature, top_p: request.params.top_p}
    const input = chat ? {messages: request.messages} : {prompt: request.prompt}
    /** /api/generate says `response`; /api/chat says `message.content`. */
    const textOf = (body: Record<string, unknown>): unknown => (chat ? (body.message as {content?: unknown} | undefined)?.content : body.response)
    if (!request.onText) {
      const body = await requestJson(`${this.target}${path}`, {method: 'POST', signal, body: {model: request.model, ...input, stream: false, options}, maxBytes: this.maxBytes}, this.who)
      const text = textOf(body)
      if (typeof text !== 'string') throw new BackendError(`${this.who} answered ${path} without a response text`, 'failed')
      return {text, units: tokenCount(body.eval_count)}
    }
    const onText = request.onText
    let text = ''
    let units: number | undefined
    let done = false
    await requestLines(`${this.target}${path}`, {method: 'POST', signal, body: {model: request.model, ...input, stream: true, options}, maxBytes: this.maxBytes}, this.who, 'application/x-ndjson', (line) => {
      if (!line.trim()) return
      const body = parseObject(line)
      if (!body) throw new BackendError(`${this.who} streamed a line of ${path} that is not a JSON object`, 'failed')
      const failure = errorMessage(body)
      if (failure !== undefined) throw new BackendError(`${this.who} failed while generating: ${failure}`, 'failed')
      const piece = textOf(body)
      if (typeof piece === 'string' && piece) {
        text += piece
        onText(piece)
      }
      if (body.done === true) {
        done = true
        units = tokenCount(body.eval_count)
      }
    })
    if (!done) throw new BackendError(`${this.who} ended its ${path} stream before it was done`, 'failed')
    return {text, units}
  }
}
