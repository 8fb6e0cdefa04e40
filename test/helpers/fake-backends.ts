// Stand-ins for inference servers outside the project, speaking their real protocols on loopback:
// Ollama's native API and the OpenAI chat-completions API (as llama.cpp, vLLM and LM Studio serve it).
// Each "generates" deterministically (the prompt's words, echoed) and records every request, so tests
// can check what the miner sent. A client that forgets `stream: false` gets a stream back, as from the
// real servers, and so fails. Streams come one token (word) per line or event, as the real servers send
// them; `pace` lets a test hold a stream between tokens (to see output arrive before the job ends).
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: unknown
}

export interface GenerationCall {
  model: string
  prompt: string
  /** Set for chat requests (/api/chat, /v1/chat/completions): the messages as sent. */
  messages?: Array<{role: string; content: string}>
}

/** What a generation does; the default echoes the prompt. */
export type Generator = (call: GenerationCall) => Promise<{text: string; tokens: number}> | {text: string; tokens: number}

export interface FakeBackend {
  url: string
  requests: RecordedRequest[]
  /** The models the server lists; tests may change it. */
  models: string[]
  generator: Generator
  /** Awaited before each streamed token after the first (index from 1); default: no wait. */
  pace?: (index: number) => Promise<void>
  /**
   * Writes a stream's bytes this many at a time, a millisecond apart, so that lines and characters
   * arrive cut across reads, as a real network may deliver them; default: each line in one write.
   */
  splitBytes?: number
  close(): Promise<void>
}

/** The text as a real server streams it: one token (a word with the space before it) per piece. */
export function tokenPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? (text ? [text] : [])
}

async function eachPiece(fake: FakeBackend, text: string, send: (piece: string) => Promise<void>): Promise<void> {
  const pieces = tokenPieces(text)
  for (const [index, piece] of pieces.entries()) {
    if (index > 0 && fake.pace) await fake.pace(index)
    await send(piece)
  }
}

/** Writes part of a streamed answer, whole or cut into `fake.splitBytes` pieces. */
async function streamWrite(fake: FakeBackend, response: ServerResponse, text: string): Promise<void> {
  if (!fake.splitBytes) {
    response.write(text)
    return
  }
  const bytes = Buffer.from(text)
  for (let at = 0; at < bytes.length; at += fake.splitBytes) {
    response.write(bytes.subarray(at, at + fake.splitBytes))
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

export function echoGenerator({model, prompt}: GenerationCall): {text: string; tokens: number} {
  const text = `${model} says: ${prompt}`
  return {text, tokens: text.split(/\s+/).length}
}

type Handler = (request: IncomingMessage, body: unknown, response: ServerResponse, fake: FakeBackend) => Promise<void>

async function startFake(models: string[], port: number, handler: Handler): Promise<FakeBackend> {
  const sockets = new Set<import('node:net').Socket>()
  const fake: FakeBackend = {url: '', requests: [], models, generator: echoGenerator, close: () => Promise.resolve()}
  const server: Server = createServer(async (request, response) => {
    const raw = await readBody(request)
    let body: unknown
    try {
      body = raw ? JSON.parse(raw) : undefined
    } catch {
      return sendJson(response, 400, {error: 'invalid JSON'})
    }
    fake.requests.push({method: request.method ?? '', path: request.url ?? '', headers: request.headers, body})
    try {
      await handler(request, body, response, fake)
    } catch (error) {
      if (!response.headersSent) sendJson(response, 500, {error: (error as Error).message})
    }
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
  return fake
}

/** Ollama: GET /api/tags, GET /api/version, POST /api/generate and /api/chat (NDJSON streams unless `stream: false`). */
export function startFakeOllama(models: string[] = ['llama3.2:latest'], options: {port?: number} = {}): Promise<FakeBackend> {
  return startFake(models, options.port ?? 0, async (request, body, response, fake) => {
    const path = request.url?.split('?')[0]
    if (request.method === 'GET' && path === '/api/version') return sendJson(response, 200, {version: '0.5.7'})
    if (request.method === 'GET' && path === '/api/tags') {
      return sendJson(response, 200, {
        models: fake.models.map((name) => ({
          name,
          model: name,
          modified_at: '2025-01-01T00:00:00Z',
          size: 2019393189,
          digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
          details: {format: 'gguf', family: 'llama', parameter_size: '3.2B', quantization_level: 'Q4_K_M'},
        })),
      })
    }
    if (request.method === 'POST' && path === '/api/generate') {
      const {model, prompt, stream} = body as {model?: string; prompt?: string; stream?: boolean}
      if (typeof model !== 'string' || !model) return sendJson(response, 400, {error: 'model is required'})
      if (!servesOllama(fake.models, model)) return sendJson(response, 404, {error: `model "${model}" not found, try pulling it first`})
      const {text, tokens} = await fake.generator({model, prompt: prompt ?? ''})
      const final = {
        model,
        created_at: new Date().toISOString(),
        response: text,
        done: true,
        done_reason: 'stop',
        context: [1, 2, 3],
        total_duration: 5_000_000,
        load_duration: 1_000_000,
        prompt_eval_count: (prompt ?? '').split(/\s+/).length,
        prompt_eval_duration: 1_000_000,
        eval_count: tokens,
        eval_duration: 3_000_000,
      }
      if (stream === false) return sendJson(response, 200, final)
      response.writeHead(200, {'Content-Type': 'application/x-ndjson'})
      await eachPiece(fake, text, (piece) => streamWrite(fake, response, `${JSON.stringify({model, created_at: final.created_at, response: piece, done: false})}\n`))
      await streamWrite(fake, response, `${JSON.stringify({...final, response: ''})}\n`)
      response.end()
      return
    }
    if (request.method === 'POST' && path === '/api/chat') {
      const {model, messages, stream} = body as {model?: string; messages?: Array<{role: string; content: string}>; stream?: boolean}
      if (typeof model !== 'string' || !model) return sendJson(response, 400, {error: 'model is required'})
      if (!Array.isArray(messages)) return sendJson(response, 400, {error: 'messages is required'})
      if (!servesOllama(fake.models, model)) return sendJson(response, 404, {error: `model "${model}" not found, try pulling it first`})
      const prompt = messages.filter((message) => message.role === 'user').map((message) => message.content).join('\n')
      const {text, tokens} = await fake.generator({model, prompt, messages})
      const created_at = new Date().toISOString()
      const final = {model, created_at, message: {role: 'assistant', content: text}, done: true, done_reason: 'stop', total_duration: 5_000_000, eval_count: tokens}
      if (stream === false) return sendJson(response, 200, final)
      response.writeHead(200, {'Content-Type': 'application/x-ndjson'})
      await eachPiece(fake, text, (piece) => streamWrite(fake, response, `${JSON.stringify({model, created_at, message: {role: 'assistant', content: piece}, done: false})}\n`))
      await streamWrite(fake, response, `${JSON.stringify({...final, message: {role: 'assistant', content: ''}})}\n`)
      response.end()
      return
    }
    sendText(response, 404, '404 page not found')
  })
}

/** "llama3.2" runs "llama3.2:latest", as in Ollama. */
function servesOllama(models: string[], model: string): boolean {
  return models.includes(model) || models.includes(`${model}:latest`)
}

/** OpenAI-compatible: GET /v1/models, POST /v1/chat/completions (SSE unless `stream` is false or absent). */
export function startFakeOpenAi(models: string[] = ['qwen2.5-7b-instruct'], options: {apiKey?: string; port?: number} = {}): Promise<FakeBackend> {
  return startFake(models, options.port ?? 0, async (request, body, response, fake) => {
    const path = request.url?.split('?')[0]
    if (options.apiKey && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return sendJson(response, 401, {error: {message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key'}})
    }
    if (request.method === 'GET' && path === '/v1/models') {
      return sendJson(response, 200, {object: 'list', data: fake.models.map((id) => ({id, object: 'model', created: 1735689600, owned_by: 'local'}))})
    }
    if (request.method === 'POST' && path === '/v1/chat/completions') {
      const {model, messages, stream, stream_options: streamOptions} = body as {
        model?: string
        messages?: Array<{role: string; content: string}>
        stream?: boolean
        stream_options?: {include_usage?: boolean}
      }
      if (!Array.isArray(messages) || messages.length === 0) {
        return sendJson(response, 400, {error: {message: "'messages' is a required property", type: 'invalid_request_error', param: 'messages', code: null}})
      }
      if (typeof model !== 'string' || !fake.models.includes(model)) {
        return sendJson(response, 404, {error: {message: `The model \`${model}\` does not exist.`, type: 'invalid_request_error', param: 'model', code: 'model_not_found'}})
      }
      const prompt = messages.filter((message) => message.role === 'user').map((message) => message.content).join('\n')
      const {text, tokens} = await fake.generator({model, prompt, messages})
      const id = `chatcmpl-${fake.requests.length}`
      if (stream) {
        const created = Math.floor(Date.now() / 1000)
        const chunk = (delta: object, finish: string | null) => ({id, object: 'chat.completion.chunk', created, model, choices: [{index: 0, delta, finish_reason: finish}]})
        response.writeHead(200, {'Content-Type': 'text/event-stream'})
        await streamWrite(fake, response, `data: ${JSON.stringify(chunk({role: 'assistant', content: ''}, null))}\n\n`)
        await eachPiece(fake, text, (piece) => streamWrite(fake, response, `data: ${JSON.stringify(chunk({content: piece}, null))}\n\n`))
        await streamWrite(fake, response, `data: ${JSON.stringify(chunk({}, 'stop'))}\n\n`)
        if (streamOptions?.include_usage) {
          const usage = {prompt_tokens: prompt.split(/\s+/).length, completion_tokens: tokens, total_tokens: prompt.split(/\s+/).length + tokens}
          await streamWrite(fake, response, `data: ${JSON.stringify({id, object: 'chat.completion.chunk', created, model, choices: [], usage})}\n\n`)
        }
        await streamWrite(fake, response, 'data: [DONE]\n\n')
        response.end()
        return
      }
      return sendJson(response, 200, {
        id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{index: 0, message: {role: 'assistant', content: text}, finish_reason: 'stop'}],
        usage: {prompt_tokens: prompt.split(/\s+/).length, completion_tokens: tokens, total_tokens: prompt.split(/\s+/).length + tokens},
      })
    }
    sendJson(response, 404, {error: {message: `Unknown request URL: ${request.method} ${path}`, type: 'invalid_request_error', param: null, code: null}})
  })
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => (data += chunk))
    request.on('end', () => resolve(data))
    request.on('error', reject)
  })
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, {'Content-Type': 'application/json; charset=utf-8'})
  response.end(JSON.stringify(value))
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {'Content-Type': 'text/plain; charset=utf-8'})
  response.end(text)
}
