// Names the coordinator stores and shows to other people (model names, miner ids, key names, GPU
// names) may not carry control characters: an escape sequence in a model name would reach every
// admin's terminal. Free text (a prompt, a result, a failure's error) may; clients show it inert.
const FREE_TEXT = new Set(['prompt', 'result', 'error'])
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/

/** The dotted path of the first name in a request body that holds a control character, if any. */
export function fieldWithControlCharacter(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string') return CONTROL.test(value) ? path.join('.') : undefined
  if (typeof value !== 'object' || value === null) return undefined
  for (const [key, inner] of Object.entries(value)) {
    if (!Array.isArray(value) && FREE_TEXT.has(key)) continue
    const found = fieldWithControlCharacter(inner, [...path, key])
    if (found !== undefined) return found
  }
  return undefined
}
