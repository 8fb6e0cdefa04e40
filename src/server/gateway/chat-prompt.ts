// A chat request's messages as a job keeps them, and their rendering as the job's prompt: what a
// command backend reads on stdin and what the receipt's prompt_sha256 covers (docs/protocol.md).
import {badRequest} from '../http/api-error.js'
import type {ChatMessage} from '../store/records.js'

/**
 * The messages with their content as text: text parts joined, other parts (images, audio) refused.
 * OpenAI's content is a string, null (an assistant turn with tool calls) or a list of parts.
 */
export function chatMessages(raw: Array<{role: string; content?: unknown}>): ChatMessage[] {
  return raw.map((message, index) => {
    const content = message.content
    if (typeof content === 'string') return {role: message.role, content}
    if (content === null || content === undefined) return {role: message.role, content: ''}
    if (!Array.isArray(content)) throw badRequest(`body field messages.${index}.content must be a string, null or a list of text parts`)
    const texts = content.map((part: {type?: unknown; text?: unknown} | null, at) => {
      if (part?.type === 'text' && typeof part.text === 'string') return part.text
      // Named as the contract's validator names fields (messages.0.role), so errors read alike.
      const what = typeof part?.type === 'string' ? `a part of type ${JSON.stringify(part.type)}` : 'not a part'
      throw badRequest(`body field messages.${index}.content.${at} is ${what}; only text parts are supported`)
    })
    return {role: message.role, content: texts.join('')}
  })
}

/**
 * `role: content` per message, separated by blank lines, ending with `assistant:` so that a plain text
 * model continues as the assistant. Defined here once; docs/protocol.md says the same.
 */
export function renderChat(messages: readonly ChatMessage[]): string {
  return `${messages.map((message) => `${message.role}: ${message.content}`).join('\n\n')}\n\nassistant:`
}
