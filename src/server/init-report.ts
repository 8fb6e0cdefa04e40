// The human-readable report of a newly created data directory. The API keys appear here once and are
// never retrievable again (only their hashes are stored).
import type {InitResult} from './data-dir.js'

export function formatInitReport(result: InitResult): string[] {
  return [
    `Initialised ${result.data_dir}`,
    `Signing key id: ${result.key_id}`,
    `Signing public key (hex): ${result.public_key}`,
    'API keys (shown once; store them now):',
    `  admin   ${result.admin_key}`,
    `  client  ${result.client_key}`,
    `  miner   ${result.miner_key}`,
  ]
}
