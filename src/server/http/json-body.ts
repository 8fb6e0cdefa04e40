// Reads a request body as JSON with a size limit. Content-Type is not required: clients like
// `curl -d` send JSON as form data by default, and the body is parsed as JSON either way.
import type {IncomingMessage} from 'node:http'

import {loneSurrogatePath} from '../../protocol/well-formed-text.js'
import {ApiError, badRequest, invalidJson, payloadTooLarge} from './api-error.js'

export interface JsonBody {
  present: boolean
  value: unknown
}

/** `tooLargeNote`: what to add to a 413 for this operation (see payloadTooLarge). */
export async function readJsonBody(req: IncomingMessage, limit: number, tooLargeNote?: string): Promise<JsonBody> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) throw payloadTooLarge(limit, tooLargeNote)
  const text = strictUtf8(await readBody(req, limit, tooLargeNote))
  if (text.trim() === '') return {present: false, value: undefined}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw invalidJson(`the request body is not valid JSON: ${(error as Error).message}`)
  }
  // Strict Unicode: a string with a lone surrogate has no UTF-8 and no RFC 8785 form, so it could be
  // neither hashed honestly nor signed (docs/protocol.md, "Strings").
  const lone = loneSurrogatePath(value)
  if (lone !== undefined) throw badRequest(`body field ${lone} holds a lone surrogate (an unpaired \\uD800-\\uDFFF escape); send well-formed Unicode`)
  return {present: true, value}
}

/** The client went away or was cut off by the request timeout: its fault, not a server error. */
const cutShort = () => new ApiError(400, 'malformed_request', 'the request body ended before it was complete')

/** The body's bytes; past `limit` a 413. */
function readBody(req: IncomingMessage, limit: number, tooLargeNote?: string): Promise<Buffer> {
  // A declared length within the limit is what the parser delivers, no more: read by events, which
  // cost less than an async iterator (an iterator, promises and listeners) on the path of every write.
  return Number.isFinite(Number(req.headers['content-length'])) ? readDeclared(req) : readStreamed(req, limit, tooLargeNote)
}

function readDeclared(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    // `on`, not `once`: each of these comes at most once that matters, and `once` costs a wrapper per
    // listener on the path of every write.
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)))
    // 'close' comes after 'end' too: only a request cut short is refused (after the answer, a no-op).
    const cutOff = () => req.complete || reject(cutShort())
    req.on('error', cutOff).on('close', cutOff)
  })
}

async function readStreamed(req: IncomingMessage, limit: number, tooLargeNote?: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > limit) throw payloadTooLarge(limit, tooLargeNote)
      chunks.push(chunk)
    }
  } catch (error) {
    if (error instanceof ApiError) throw error
    throw cutShort()
  }
  return Buffer.concat(chunks)
}

const UTF8 = new TextDecoder('utf-8', {fatal: true})

/** Bytes that are not UTF-8 are refused, not read with U+FFFD in their place (which would then be signed). */
function strictUtf8(bytes: Buffer): string {
  try {
    return UTF8.decode(bytes)
  } catch {
    throw invalidJson('the request body is not valid UTF-8 (RFC 8259 JSON is UTF-8)')
  }
}
