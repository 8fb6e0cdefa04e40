// SIGINT/SIGTERM for a long-running miner: the first asks it to finish what it runs, the second to
// abandon that too; a third ends the process at once.
const SIGNALS = ['SIGINT', 'SIGTERM'] as const

/** Installs the handlers; returns the function that removes them. */
export function onStopSignals(first: (signal: NodeJS.Signals) => void, second: (signal: NodeJS.Signals) => void): () => void {
  let received = 0
  const handler = (signal: NodeJS.Signals) => {
    received++
    if (received === 1) first(signal)
    else if (received === 2) second(signal)
    // A third signal: stop now, as a failure (exit 1).
    else process.exit(1)
  }
  for (const signal of SIGNALS) process.on(signal, handler)
  return () => {
    for (const signal of SIGNALS) process.off(signal, handler)
  }
}
