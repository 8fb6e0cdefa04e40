// Node's timers take at most 2^31-1 ms (24.8 days): a longer one fires at once (a TimeoutOverflowWarning),
// so a flag in seconds above this would end its wait at once instead of after it; such flags refuse it.
// Here, in src/protocol, because the client, the miner, the CLI and the coordinator's flags all use it.
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000)
