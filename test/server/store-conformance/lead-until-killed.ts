// A coordinator stand-in for the leader takeover test: opens the PostgreSQL store named by argv, takes
// the block-sealing lead, says so, and holds it until it is killed.
import {PostgresStore} from '../../../src/server/store/postgres/postgres-store.js'

const [connectionString, schema] = process.argv.slice(2)
const store = await PostgresStore.open({connectionString, schema, retryMs: 100})
const lead = store.leadBlockSealing()
lead.onChange((isLeader) => isLeader && process.stdout.write('leading\n'))
setInterval(() => undefined, 60_000)
