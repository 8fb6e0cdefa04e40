// Cuts text that arrives in chunks at a separator ("\n" between NDJSON lines, "\n\n" between Server-Sent
// Events), in time linear in the text: a chunk is searched once (with the separator's first characters
// that may end the text before it), and the text held is joined only when a separator completes a part.
// Searching the whole held text at every chunk would be quadratic, and one long part (a stream that
// pours a single event up to its size limit) would take minutes.
export class TextSplitter {
  private pieces: string[] = []

  /** `separator` is one or two characters. */
  constructor(private readonly separator: string) {}

  /** The parts this chunk completes (the text before each separator), in order. */
  push(chunk: string): string[] {
    if (chunk === '') return []
    const last = this.pieces.at(-1) ?? ''
    const window = (this.separator.length > 1 ? last.slice(1 - this.separator.length) : '') + chunk
    this.pieces.push(chunk)
    if (!window.includes(this.separator)) return []
    const parts = this.pieces.join('').split(this.separator)
    const rest = parts.pop() ?? ''
    this.pieces = rest ? [rest] : []
    return parts
  }

  /** What follows the last separator. */
  rest(): string {
    return this.pieces.join('')
  }
}
