// Preloaded into CLI processes by the hostile-server tests (with --expose-gc): a full garbage
// collection every 50 ms, so a timer that garbage collection can silence is silenced.
setInterval(() => globalThis.gc(), 50).unref()
