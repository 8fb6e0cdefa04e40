// /v1/keys (the public signing keys) and admin API key management.
import Router from '@koa/router'

import type {Ed25519Signer} from '../../protocol/ed25519.js'
import {ED25519} from '../../protocol/ed25519.js'
import {toHex} from '../../protocol/encoding.js'
import type {Operations} from '../http/operations.js'
import type {KeyService} from '../keys/key-service.js'

export function keyRoutes(ops: Operations, keys: KeyService, signer: Ed25519Signer): Router {
  const router = new Router()
  const signingKeys = [{key_id: signer.keyId, alg: ED25519, public_key: toHex(signer.publicKey)}]

  ops.define(router, 'listSigningKeys', () => ({body: signingKeys}))

  ops.define(router, 'createApiKey', async (request) => {
    const {role, name} = request.body
    return {status: 201, body: await keys.create(role, name)}
  })

  ops.define(router, 'listApiKeys', async (request) => {
    const {limit, offset} = request.query
    return {body: await keys.list({limit, offset})}
  })

  ops.define(router, 'revokeApiKey', async (request) => ({body: await keys.revoke(request.params.name)}))

  return router
}
