// HTTP/1.1 over a bare socket, for requests fetch and node:http refuse to send or would tidy up: a path
// with `..` or raw unicode, duplicated or huge headers, a body that does not match its Content-Length,
// a client that sends slowly or stops. One request per connection (Connection: close).
import net from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  /** Parsed JSON when the body is JSON, else the text. */
  body: unknown
  text: string
}

export interface RawRequest {
  method?: string
  /** The request target exactly as sent, e.g. `/v1/jobs/../x?limit=%zz`. */
  target: string
  /** Sent in this order; a name may repeat. Host and Connection: close are added. */
  headers?: [string, string][]
  body?: string | Buffer
  /** Add Content-Length for the body (default true). */
  contentLength?: boolean
}

/** Serialises a request to the bytes sent on the wire. */
export function requestBytes(request: RawRequest): Buffer {
  const body = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : (request.body ?? Buffer.alloc(0))
  const headers: [string, string][] = [['Host', '127.0.0.1'], ['Connection', 'close'], ...(request.headers ?? [])]
  if (request.contentLength !== false && (body.length > 0 || request.method === 'POST')) headers.push(['Content-Length', String(body.length)])
  const head = `${request.method ?? 'GET'} ${request.target} HTTP/1.1\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`
  return Buffer.concat([Buffer.from(head, 'utf8'), body])
}

/**
 * Sends the request and reads the answer until the server closes the connection (Connection: close).
 * The client side stays open: Node aborts a request whose client half-closes before it is answered.
 */
export function rawRequest(url: string, request: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  return exchange(url, (socket) => socket.write(requestBytes(request)), timeoutMs)
}

/**
 * Opens a connection, lets `drive` write to it (slowly, partly, or not at all) and resolves with what
 * came back once the server closed it; rejects if the server keeps it open past `timeoutMs`.
 */
export function exchange(url: string, drive: (socket: net.Socket) => void, timeoutMs: number): Promise<RawResponse> {
  const {hostname, port} = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname)
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`the server kept the connection open for ${timeoutMs} ms`))
    }, timeoutMs)
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    // A reset after the answer arrived (the server closed while we were still sending) is still an answer.
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(parseResponse(Buffer.concat(chunks).toString('utf8')))
    })
    socket.on('connect', () => drive(socket))
  })
}

function parseResponse(raw: string): RawResponse {
  const split = raw.indexOf('\r\n\r\n')
  const head = split === -1 ? raw : raw.slice(0, split)
  const text = split === -1 ? '' : raw.slice(split + 4)
  const [statusLine, ...lines] = head.split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0)
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // Not JSON: the text.
  }
  return {status, headers, body, text}
}
