// Requests Node's HTTP parser refuses before Koa sees them — a malformed request line or header,
// duplicated Content-Length, headers over the size limit, a client too slow to send its request
// (headersTimeout/requestTimeout) — and CONNECT, which Node hands to no request handler, get the same
// `{detail, error_code}` answer as every other error, and the connection is closed.
import {STATUS_CODES, type IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'

import {ApiError} from './api-error.js'

export function clientErrorFor(code: string | undefined): ApiError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError(431, 'headers_too_large', 'the request headers are larger than the server accepts; send shorter headers')
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError(408, 'request_timeout', 'the request was not received in time; send it again without pausing')
    default:
      return new ApiError(400, 'malformed_request', `the request is not valid HTTP (${code ?? 'parse error'})`)
  }
}

/** A `clientError` listener for the Node HTTP server. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // Only when nothing of a response has been sent on this connection yet; otherwise just close it.
  const current = (socket as Duplex & {_httpMessage?: {headersSent?: boolean} | null})._httpMessage
  if (error.code === 'ECONNRESET' || !socket.writable || current?.headersSent) {
    socket.destroy()
    return
  }
  answerAndClose(socket, clientErrorFor(error.code))
}

/** A `connect` listener: the coordinator is not a proxy. */
export function answerConnect(_request: IncomingMessage, socket: Duplex): void {
  answerAndClose(socket, new ApiError(405, 'method_not_allowed', 'CONNECT is not allowed: the coordinator is not a proxy'))
}

function answerAndClose(socket: Duplex, answer: ApiError): void {
  const body = JSON.stringify(answer)
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
  // A client that keeps sending would hold the half-closed socket open.
  setTimeout(() => socket.destroy(), 1000).unref()
}
