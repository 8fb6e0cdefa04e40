// A full garbage collection in this process every so often, for tests of timers that must fire
// whatever the collector does (on Node 20 a signal from AbortSignal.any stopped firing once a collection
// had run), with the command or miner under test running in-process. Start it in a describe's (or a
// single-test file's) before hook and stop it in the after hook, so the other files of a test process
// do not pay for it (`t.after(collectGarbage())` in a test does both).
//
// One collection of a test process (some 20 MB of heap: the coordinator, oclif, the commands) takes
// about 30 ms of CPU, so a collection every 50 ms, as a bare CLI process could afford, would leave the
// process little else to do. Every 250 ms still gives each 1 s timer of these tests four collections
// that could silence it.
import v8 from 'node:v8'
import vm from 'node:vm'

let collect: (() => void) | undefined

export const GC_INTERVAL_MS = 250

/** Starts the collections; returns the function that stops them. */
export function collectGarbage(intervalMs = GC_INTERVAL_MS): () => void {
  if (!collect) {
    v8.setFlagsFromString('--expose-gc')
    collect = vm.runInNewContext('gc') as () => void
  }
  const timer = setInterval(collect, intervalMs)
  return () => clearInterval(timer)
}
