// Reads a request body as JSON with a size limit. Content-Type is not required: clients like
// `curl -d` send JSON as form data by default, and the body is parsed as JSON either way.
import type {IncomingMessage} from 'node:http'

import {ApiError, invalidJson, payloadTooLarge} from './api-error.js'

export interface JsonBody {
  present: boolean
  value: unknown
}

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<JsonBody> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) throw payloadTooLarge(limit)
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > limit) throw payloadTooLarge(limit)
      chunks.push(chunk)
    }
  } catch (error) {
    if (error instanceof ApiError) throw error
    // The client went away or was cut off by the request timeout: its fault, not a server error.
    throw new ApiError(400, 'malformed_request', 'the request body ended before it was complete')
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') return {present: false, value: undefined}
  try {
    return {present: true, value: JSON.parse(text)}
  } catch (error) {
    throw invalidJson(`the request body is not valid JSON: ${(error as Error).message}`)
  }
}
