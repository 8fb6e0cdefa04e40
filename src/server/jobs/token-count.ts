// Counting tokens when the miner's backend did not report them. This is an estimate, not a tokenizer:
// every run of letters or digits counts one token per started 4 characters (roughly what BPE
// tokenizers average on English), and every other non-space character counts one.

const PIECES = /[\p{L}\p{M}]+|\p{N}+|[^\s\p{L}\p{M}\p{N}]/gu

export function estimateTokens(text: string): number {
  let tokens = 0
  for (const [piece] of text.matchAll(PIECES)) tokens += /^[\p{L}\p{M}\p{N}]/u.test(piece) ? Math.ceil(piece.length / 4) : 1
  return tokens
}

/** The units a receipt bills: what the backend reported, or the estimate, never more than max_tokens. */
export function billedUnits(reported: number | undefined, result: string, maxTokens: number): number {
  return Math.min(reported ?? estimateTokens(result), maxTokens)
}
