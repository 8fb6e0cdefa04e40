// A full garbage collection in this process every so often, for tests of timers that must fire
// whatever the collector does (on Node 20 a signal from AbortSignal.any stopped firing once a collection
// had run), with the command or miner under test running in-process. Start it in a describe's (or a
// single-test file's) before hook and stop it in the after hook, so the other files of a test process
// do not pay for it (`t.after(collectGarbage())` in a test does both).
//
// One collection of a test process (some 20 MB of heap: the coordinator, oclif, the commands; more in a
// process shared by several files) takes about 30 ms of CPU, so a collection every 50 ms, as a bare CLI
// process could afford, would leave the process little else to do. The next collection is due 250 ms
// after the previous one ended, not on a fixed beat: on a loaded machine a collection can take longer
// than any beat, and the process would then do nothing but collect. Each 1 s timer of these tests still
// meets several collections that could silence it.
import v8 from 'node:v8'
import vm from 'node:vm'

export const GC_PAUSE_MS = 250

let collect: (() => void) | undefined

/** Starts the collections; returns the function that stops them. */
export function collectGarbage(pauseMs = GC_PAUSE_MS): () => void {
  if (!collect) {
    v8.setFlagsFromString('--expose-gc')
    collect = vm.runInNewContext('gc') as () => void
  }
  let timer: NodeJS.Timeout
  const next = () => {
    collect!()
    timer = setTimeout(next, pauseMs)
  }
  timer = setTimeout(next, pauseMs)
  return () => clearTimeout(timer)
}
