// The Koa app, built apart from listening: error middleware first, the operations (each defined by a
// file of routes/; its method, path, roles and input schema come from openapi/aitbc.yaml), then 404/405.
import Koa from 'koa'

import type {Ed25519Signer} from '../protocol/ed25519.js'
import {systemClock, type Clock} from './clock.js'
import {resolveConfig, type ServerConfig} from './config.js'
import {Coordinator} from './coordinator.js'
import {AnswerMemory, answerLimits} from './http/answer-limits.js'
import {AnswerTurns} from './http/answer-turns.js'
import {loadContract} from './http/contract.js'
import {openAiErrors} from './gateway/openai-errors.js'
import {errorMiddleware} from './http/error-middleware.js'
import {unmatchedRequests} from './http/fallback.js'
import {Operations} from './http/operations.js'
import {RateLimiter} from './http/rate-limit.js'
import type {Logger} from './logger.js'
import {explorerRoutes} from './routes/explorer.js'
import {jobOutputRoutes} from './routes/job-output.js'
import {jobRoutes} from './routes/jobs.js'
import {keyRoutes} from './routes/keys.js'
import {minerRoutes} from './routes/miners.js'
import {openAiRoutes} from './routes/openai.js'
import {receiptRoutes} from './routes/receipts.js'
import {systemRoutes} from './routes/system.js'
import type {AsyncStore} from './store/async-store.js'
import {JobStreams} from './streams/job-streams.js'

export interface AppDeps {
  /** The embedded store through EmbeddedAsyncStore, or PostgreSQL (PostgresStore). */
  store: AsyncStore
  signer: Ed25519Signer
  config?: Partial<ServerConfig>
  /** Where server errors are logged (default: stderr). */
  log?: Logger
  /** Where time comes from (default: the system clock); tests pass a ManualClock. */
  clock?: Clock
}

export interface CoordinatorApp extends Koa {
  /** The services behind the routes; `start()` and `stop()` run the lease sweeper and block sealer. */
  coordinator: Coordinator
  /** Streamed output of running jobs and who follows it. */
  streams: JobStreams
}

export function createApp(deps: AppDeps): CoordinatorApp {
  const log = deps.log ?? ((message: string) => console.error(message))
  const config = resolveConfig(deps.config)
  const contract = loadContract()
  const coordinator = new Coordinator(deps.store, deps.signer, config, contract, log, deps.clock ?? systemClock)
  const answers = new AnswerMemory(config.answerMemoryBytes, config.sendTimeoutSeconds)
  // Streamed output of running jobs, for followers; told of every job change to follow attempts. A
  // change is told after the store wrote it, so followers that hear of the end find the result stored.
  const streams = new JobStreams({jobBytes: config.streamJobBytes, totalBytes: config.streamMemoryBytes, followersPerKey: config.maxStreamsPerKey})
  coordinator.jobs.onJobChange = (job) => streams.jobChanged(job)
  // A prompt larger than the body limit is refused before it is read: the 413 names the prompt limit,
  // the one a user sending a long prompt needs to know.
  const promptLimit = `a prompt may be at most ${config.maxPromptBytes} bytes (--max-prompt-bytes)`
  const ops = new Operations(contract, coordinator.keyCache, config.bodyLimitBytes, RateLimiter.fromConfig(config), answers, new AnswerTurns(config), {
    submitJob: promptLimit,
    createChatCompletion: promptLimit,
  })

  const app = new Koa() as CoordinatorApp
  app.coordinator = coordinator
  app.streams = streams
  // Errors are answered and logged by errorMiddleware; Koa's own handler would log them again.
  app.silent = true
  app.use(answerLimits(config, answers))
  app.use(openAiErrors())
  app.use(errorMiddleware(log))
  systemRoutes(ops, deps.store)
  minerRoutes(ops, coordinator.jobs, coordinator.miners)
  jobRoutes(ops, coordinator.jobs, coordinator.miners, config.activeMinerSeconds, config.pageBytes)
  jobOutputRoutes(ops, coordinator.jobs, streams, config.sendTimeoutSeconds)
  openAiRoutes(ops, coordinator.jobs, streams, deps.store, coordinator.clock, config)
  receiptRoutes(ops, coordinator.receipts)
  keyRoutes(ops, coordinator.keys, deps.signer)
  explorerRoutes(ops, deps.store, config.activeMinerSeconds, coordinator.clock)
  ops.assertComplete()
  app.use(ops.routes())
  app.use(unmatchedRequests(contract))
  return app
}
