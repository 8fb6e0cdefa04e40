// `aitbc admin keys create|list|revoke`: the secret once on stdout, never again; roles enforced.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import type {Schemas} from '../../src/client/client.js'
import {aitbc, assertExit, json} from './aitbc.js'
import {Coordinator} from './coordinator.js'

describe('aitbc admin keys', {concurrency: 4}, () => {
  let coord: Coordinator
  before(async () => {
    coord = await Coordinator.start()
  })
  after(() => coord.close())

  it('create prints the new key alone on stdout with a warning on stderr, and the key works', async () => {
    const created = await aitbc(['admin', 'keys', 'create', '--role', 'client', '--name', 'alice'], {env: coord.env('admin')})
    assertExit(created, 0)
    const [, key] = /^(\S+)\n$/.exec(created.stdout) ?? assert.fail(created.stdout)
    assert.match(created.stderr, /Store this key now: it is not shown again/)
    const submitted = await aitbc(['jobs', 'submit', 'from alice', '--json'], {env: {...coord.env(), AITBC_API_KEY: key}})
    assertExit(submitted, 0)
    assert.equal(json<{client: string}>(submitted).client, 'alice')

    const duplicate = await aitbc(['admin', 'keys', 'create', '--role', 'miner', '--name', 'alice'], {env: coord.env('admin')})
    assertExit(duplicate, 5)
  })

  it('create --json gives the key record with its secret', async () => {
    const created = json<Schemas['CreatedApiKey']>(await aitbc(['admin', 'keys', 'create', '--role', 'miner', '--name', 'gpu-op', '--json'], {env: coord.env('admin')}))
    assert.deepEqual([created.name, created.role, typeof created.api_key], ['gpu-op', 'miner', 'string'])
  })

  it('list shows names and roles, never a secret', async () => {
    const created = json<Schemas['CreatedApiKey']>(await aitbc(['admin', 'keys', 'create', '--role', 'client', '--name', 'bob', '--json'], {env: coord.env('admin')}))
    const plain = await aitbc(['admin', 'keys', 'list'], {env: coord.env('admin')})
    assertExit(plain, 0)
    assert.match(plain.stdout, /^ *NAME +ROLE +AGE +REVOKED$/m)
    assert.match(plain.stdout, /^ *bob +client +\d+s +-$/m)
    const listed = json<Schemas['ApiKeyInfo'][]>(await aitbc(['admin', 'keys', 'list', '--json'], {env: coord.env('admin')}))
    assert.ok(listed.some((key) => key.name === 'bob'))
    for (const output of [plain.stdout, JSON.stringify(listed)]) {
      for (const secret of [created.api_key, coord.server.adminKey, coord.server.clientKey]) assert.ok(!output.includes(secret))
    }
  })

  it('revoke --yes proceeds without a terminal, and the key stops working at once; 3 for an unknown name', async () => {
    const created = json<Schemas['CreatedApiKey']>(await aitbc(['admin', 'keys', 'create', '--role', 'client', '--name', 'carol', '--json'], {env: coord.env('admin')}))
    const revoked = await aitbc(['admin', 'keys', 'revoke', 'carol', '--json', '--yes'], {env: coord.env('admin')})
    assertExit(revoked, 0)
    assert.ok(json<Schemas['ApiKeyInfo']>(revoked).revoked_at)
    assertExit(await aitbc(['jobs', 'list'], {env: {...coord.env(), AITBC_API_KEY: created.api_key}}), 4)
    assertExit(await aitbc(['admin', 'keys', 'revoke', 'nobody', '--yes'], {env: coord.env('admin')}), 3)
  })

  it('needs an admin key (exit 4 for a client key)', async () => {
    for (const args of [['create', '--role', 'client', '--name', 'eve'], ['list'], ['revoke', 'alice', '--yes']]) {
      assertExit(await aitbc(['admin', 'keys', ...args], {env: coord.env('client')}), 4)
    }
  })
})
