// A stand-in OpenAI-compatible server for the streaming benchmark: GET /v1/models, and
// POST /v1/chat/completions streamed as OpenAI streams it, one token every `tokenMs` after a first
// token that takes `firstTokenMs` (the prompt's processing on a real server).
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface TokenServer {
  url: string
  /** Milliseconds each streamed answer took, request read to last byte written, in order. */
  streamedMs: number[]
  close(): Promise<void>
}

export async function startTokenServer(model: string, tokens: number, firstTokenMs: number, tokenMs: number): Promise<TokenServer> {
  const streamedMs: number[] = []
  const server: Server = createServer((request, response) => {
    let raw = ''
    request.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk))
    request.on('end', async () => {
      if (request.method === 'GET' && request.url === '/v1/models') {
        response.writeHead(200, {'Content-Type': 'application/json'})
        return response.end(JSON.stringify({object: 'list', data: [{id: model, object: 'model', created: 0, owned_by: 'bench'}]}))
      }
      if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
        response.writeHead(404)
        return response.end()
      }
      if ((JSON.parse(raw || '{}') as {stream?: boolean}).stream !== true) {
        // The whole answer at once, after the whole generation's time.
        await new Promise((resolve) => setTimeout(resolve, firstTokenMs + (tokens - 1) * tokenMs))
        const content = Array.from({length: tokens}, (_, i) => `token${i}`).join(' ')
        response.writeHead(200, {'Content-Type': 'application/json'})
        const usage = {prompt_tokens: 1, completion_tokens: tokens, total_tokens: tokens + 1}
        return response.end(JSON.stringify({id: 'c', object: 'chat.completion', created: 0, model, choices: [{index: 0, message: {role: 'assistant', content}, finish_reason: 'stop'}], usage}))
      }
      const started = performance.now()
      const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({id: 'c', object: 'chat.completion.chunk', created: 0, model, choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`
      response.writeHead(200, {'Content-Type': 'text/event-stream'})
      for (let i = 0; i < tokens; i++) {
        await new Promise((resolve) => setTimeout(resolve, i === 0 ? firstTokenMs : tokenMs))
        if (response.destroyed) return
        response.write(chunk({content: `${i === 0 ? '' : ' '}token${i}`}, null))
      }
      response.write(chunk({}, 'stop'))
      response.write(`data: ${JSON.stringify({id: 'c', object: 'chat.completion.chunk', created: 0, model, choices: [], usage: {prompt_tokens: 1, completion_tokens: tokens, total_tokens: tokens + 1}})}\n\n`)
      response.end('data: [DONE]\n\n')
      streamedMs.push(performance.now() - started)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    streamedMs,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  }
}

/** Milliseconds from sending a streamed chat request until its first token; reads the stream to its end. */
export async function timeToFirstToken(url: string, headers: Record<string, string>, model: string): Promise<number> {
  const started = performance.now()
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', ...headers},
    body: JSON.stringify({model, stream: true, messages: [{role: 'user', content: 'benchmark'}]}),
  })
  if (!response.ok || !response.body) throw new Error(`${url} answered ${response.status}: ${await response.text()}`)
  let first: number | undefined
  let text = ''
  const decoder = new TextDecoder()
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(bytes, {stream: true})
    if (first === undefined && /"content":"[^"]/.test(text)) first = performance.now() - started
  }
  if (first === undefined || !text.includes('data: [DONE]')) throw new Error(`${url} streamed no token or no [DONE]: ${text.slice(0, 300)}`)
  return first
}
