// Builds the backend a miner was told to use.
import {type BackendKind, type BackendLimits, type InferenceBackend} from './backend.js'
import {CommandBackend} from './command.js'
import {OLLAMA_DEFAULT_URL, OllamaBackend} from './ollama.js'
import {OPENAI_DEFAULT_URL, OpenAiBackend} from './openai.js'

export * from './backend.js'

export interface BackendSettings extends BackendLimits {
  kind: BackendKind
  /** For ollama and openai; each has its usual local default. */
  url?: string
  /** For openai servers started with an API key (vLLM --api-key, hosted ones). */
  apiKey?: string
  /** For command: the shell command line. */
  command?: string
}

export const DEFAULT_BACKEND_URLS = {ollama: OLLAMA_DEFAULT_URL, openai: OPENAI_DEFAULT_URL} as const

export function createBackend(settings: BackendSettings): InferenceBackend {
  switch (settings.kind) {
    case 'ollama':
      return new OllamaBackend(settings.url ?? OLLAMA_DEFAULT_URL, settings)
    case 'openai':
      return new OpenAiBackend(settings.url ?? OPENAI_DEFAULT_URL, settings.apiKey, settings)
    case 'command':
      if (!settings.command) throw new Error('the command backend needs a command')
      return new CommandBackend(settings.command, settings)
  }
}
