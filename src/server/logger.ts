// Where the coordinator writes what an operator must see (failures, sealing trouble): one line each.
// `aitbc serve` writes them to stderr; tests collect them.
export type Logger = (message: string) => void
