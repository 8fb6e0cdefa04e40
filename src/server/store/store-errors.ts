// Failures of the store that the server and `aitbc serve` report in their own words.

/** The data on disk cannot be read as a coordinator store. Nothing was changed. */
export class StoreCorruptError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StoreCorruptError'
  }
}

/** A write to disk failed; the store refuses further writes until the coordinator restarts. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'StoreUnavailableError'
  }
}
