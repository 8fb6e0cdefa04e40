// Preloaded into the CLI under test (NODE_OPTIONS=--import) to move this process's clock by
// AITBC_TEST_CLOCK_OFFSET_MS, as on a machine whose clock is off: the only way to test the clock
// check without changing the real one.
const offset = Number(process.env.AITBC_TEST_CLOCK_OFFSET_MS ?? 0)
const realNow = Date.now
Date.now = () => realNow() + offset
