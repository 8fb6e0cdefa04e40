// For the streaming tests of a file (or a describe): a coordinator and a miner that streams from a fake
// Ollama, which a test can hold after its first token (and lets go of at its end).
import {after, afterEach, before} from 'node:test'

import {OllamaBackend} from '../../src/miner/backends/ollama.js'
import {type FakeBackend, startFakeOllama} from '../helpers/fake-backends.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {type RunningMiner, startMiner} from '../miner/worker-helpers.js'

export interface StreamingMiner {
  /** Set once the hooks' `before` has run. */
  server: TestServer
  /** The fake's stream waits after its first token until `release`. */
  holdAfterFirstToken(): void
  release(): void
}

/** Registers the hooks where it is called: call it at a file's top level or in a describe's body. */
export function useStreamingMiner(): StreamingMiner {
  let ollama: FakeBackend
  let miner: RunningMiner
  const fixture: StreamingMiner = {
    server: undefined as unknown as TestServer,
    release: () => undefined,
    holdAfterFirstToken() {
      const held = new Promise<void>((resolve) => (fixture.release = resolve))
      ollama.pace = (index) => (index === 1 ? held : Promise.resolve())
    },
  }
  before(async () => {
    fixture.server = await startTestServer()
    ollama = await startFakeOllama(['llama3.2:latest'])
    miner = await startMiner(fixture.server, new OllamaBackend(ollama.url), {models: ['llama3.2'], stream: {intervalMs: 20, maxBytes: 65536}})
  })
  afterEach(() => {
    fixture.release()
    ollama.pace = undefined
  })
  after(async () => {
    miner.worker.stop()
    await miner.done
    await ollama.close()
    await fixture.server.close()
  })
  return fixture
}
