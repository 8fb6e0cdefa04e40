// A progress bar on stderr, drawn only when stderr is a terminal and --json is off; otherwise every
// method does nothing. Redrawn at most every 100 ms, so a fast loop does not spend its time drawing.
export interface ProgressBar {
  update(done: number, total: number, label?: string): void
  /** Clears the bar, leaving the terminal as it was. */
  stop(): void
}

const SILENT: ProgressBar = {update() {}, stop() {}}
const WIDTH = 30
const REDRAW_MS = 100

export function startProgressBar(json: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  if (json || !stream.isTTY) return SILENT
  let last = 0
  let drawn = false
  return {
    update(done, total, label = '') {
      const now = Date.now()
      if (now - last < REDRAW_MS && done < total) return
      last = now
      const filled = total > 0 ? Math.round((WIDTH * done) / total) : WIDTH
      stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total} ${label}\u001B[K`)
      drawn = true
    },
    stop() {
      if (drawn) stream.write('\r\u001B[K')
    },
  }
}
