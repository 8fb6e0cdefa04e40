// /v1/keys (the public signing keys) and admin API key management.
import type {Ed25519Signer} from '../../protocol/ed25519.js'
import {ED25519} from '../../protocol/ed25519.js'
import {toHex} from '../../protocol/encoding.js'
import type {Operations} from '../http/operations.js'
import type {KeyService} from '../keys/key-service.js'

export function keyRoutes(ops: Operations, keys: KeyService, signer: Ed25519Signer): void {
  const signingKeys = [{key_id: signer.keyId, alg: ED25519, public_key: toHex(signer.publicKey)}]

  ops.define('listSigningKeys', () => ({body: signingKeys}))

  ops.define('createApiKey', async (request) => {
    const {role, name} = request.body
    return {status: 201, body: await keys.create(role, name)}
  })

  ops.define('listApiKeys', async (request) => {
    const {limit, offset} = request.query
    return {body: await keys.list({limit, offset})}
  })

  ops.define('revokeApiKey', async (request) => ({body: await keys.revoke(request.params.name)}))
}
