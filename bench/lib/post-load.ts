// POST load from this process with autocannon: a fixed number of connections for a fixed time (or a
// fixed number of requests), each sending the same JSON body as soon as its previous answer arrived.
import autocannon from 'autocannon'

export interface PostLoad {
  connections: number
  seconds: number
  /** A fixed number of requests instead of `seconds` (`--quick`: some answers, however busy the machine). */
  requests?: number
  headers?: Record<string, string>
  body: string
}

export interface LoadResult {
  /** Answers with a 2xx status per second. */
  perSec: number
  p50Ms: number
  p99Ms: number
}

export async function postLoad(url: string, load: PostLoad): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: {'content-type': 'application/json', ...load.headers},
    body: load.body,
    connections: load.connections,
    duration: load.seconds,
    ...(load.requests === undefined ? {} : {amount: load.requests}),
    timeout: 10,
  })
  // A benchmark of failures would be a fast, meaningless number.
  const failed = result.non2xx + result.errors
  if (failed > 0) throw new Error(`POST ${url}: ${failed} of ${result['2xx'] + failed} requests failed (${result.non2xx} non-2xx, ${result.errors} errors)`)
  return {perSec: result['2xx'] / result.duration, p50Ms: result.latency.p50, p99Ms: result.latency.p99}
}

/** How a load is sized, for the figure's name. */
export function describePostLoad({connections, seconds, requests}: Pick<PostLoad, 'connections' | 'seconds' | 'requests'>): string {
  return `${connections} connections, ${requests === undefined ? `${seconds} s` : `${requests} requests`}`
}
