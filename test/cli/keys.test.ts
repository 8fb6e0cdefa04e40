// `aitbc keys list|trust|untrust`: the per-profile trust store, and pinning the coordinator's keys.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {tempConfigDir} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {newSigner} from '../verify/fixtures.js'
import {startSwitchableProxy} from '../verify/network-watch.js'
import {aitbc, assertExit, json} from './aitbc.js'

interface TrustedKey {
  key_id: string
  source: string
  added_at: string
}

describe('aitbc keys', {concurrency: 4}, () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.close())

  it('a key id starting with "-" needs no "--" (trust and untrust, before or after other flags)', async () => {
    const env = {AITBC_CONFIG_DIR: tempConfigDir()}
    let key = newSigner()
    // After '-' a letter: oclif reads '-1…' as a number but '-a…' as a flag.
    while (!/^-[A-Za-z]/.test(key.keyId)) key = newSigner()
    const trusted = await aitbc(['keys', 'trust', key.keyId, '--profile', 'p1'], {env})
    assertExit(trusted, 0)
    assert.match(trusted.stderr, /Trusting -/)
    assert.deepEqual(json<TrustedKey[]>(await aitbc(['keys', 'list', '--profile', 'p1', '--json'], {env})).map((k) => k.key_id), [key.keyId])
    assertExit(await aitbc(['keys', 'untrust', '--profile', 'p1', key.keyId], {env}), 0)
    assert.deepEqual(json(await aitbc(['keys', 'list', '--profile', 'p1', '--json'], {env})), [])
    // A mistyped flag is still a flag error, not a key id.
    assertExit(await aitbc(['keys', 'trust', '--from-coordinatr'], {env}), 2)
  })

  it('trust, list and untrust a key by id or hex, per profile', async () => {
    const env = {AITBC_CONFIG_DIR: tempConfigDir()}
    const key = newSigner()
    assert.deepEqual(json(await aitbc(['keys', 'list', '--json'], {env})), [])
    assertExit(await aitbc(['keys', 'trust', '--', key.keyId], {env}), 0) // '--': a key id may start with '-'
    const again = await aitbc(['keys', 'trust', Buffer.from(key.publicKey).toString('hex')], {env})
    assertExit(again, 0)
    assert.match(again.stderr, /already trusted/)
    const listed = json<TrustedKey[]>(await aitbc(['keys', 'list', '--json'], {env}))
    assert.deepEqual(listed.map((k) => [k.key_id, k.source]), [[key.keyId, 'manual']])
    assert.match((await aitbc(['keys', 'list'], {env})).stdout, new RegExp(`^ *${key.keyId} +manual +\\d{4}-`, 'm'))
    assert.deepEqual(json(await aitbc(['keys', 'list', '--profile', 'other', '--json'], {env})), [])

    const config = JSON.parse(readFileSync(path.join(env.AITBC_CONFIG_DIR, 'config.json'), 'utf8'))
    assert.deepEqual(config.profiles.default.trusted_keys.map((k: TrustedKey) => k.key_id), [key.keyId])

    assertExit(await aitbc(['keys', 'untrust', key.keyId], {env}), 0)
    assertExit(await aitbc(['keys', 'untrust', key.keyId], {env}), 3)
    assert.deepEqual(json(await aitbc(['keys', 'list', '--json'], {env})), [])
  })

  it('refuses keys that cannot verify anything (exit 2)', async () => {
    const env = {AITBC_CONFIG_DIR: tempConfigDir()}
    for (const bad of ['nope', '0100000000000000000000000000000000000000000000000000000000000000', `${newSigner().keyId}=`]) {
      const result = await aitbc(['keys', 'trust', bad], {env})
      assertExit(result, 2)
    }
    assert.match((await aitbc(['keys', 'trust', '0100000000000000000000000000000000000000000000000000000000000000'], {env})).stderr, /small order/)
  })

  it('--from-coordinator pins the keys of GET /v1/keys with --yes, and asks for --yes without a terminal', async () => {
    const env = {AITBC_CONFIG_DIR: tempConfigDir(), AITBC_URL: server.url}
    const refused = await aitbc(['keys', 'trust', '--from-coordinator'], {env})
    assertExit(refused, 2)
    assert.match(refused.stderr, /--yes/)
    assert.deepEqual(json(await aitbc(['keys', 'list', '--json'], {env})), [])
    assertExit(await aitbc(['keys', 'trust', '--from-coordinator', '--yes'], {env}), 0)
    const listed = json<TrustedKey[]>(await aitbc(['keys', 'list', '--json'], {env}))
    assert.deepEqual(listed.map((k) => [k.key_id, k.source]), [[server.keyId, server.url]])
  })

  it('--from-coordinator warns loudly when the coordinator offers none of the pinned keys', async () => {
    const other = await startTestServer()
    const proxy = await startSwitchableProxy(server.url)
    try {
      const env = {AITBC_CONFIG_DIR: tempConfigDir(), AITBC_URL: proxy.url}
      assertExit(await aitbc(['keys', 'trust', '--from-coordinator', '--yes'], {env}), 0)
      proxy.target = other.url
      const result = await aitbc(['keys', 'trust', '--from-coordinator', '--yes'], {env})
      assertExit(result, 10)
      assert.match(result.stderr, /WARNING: COORDINATOR SIGNING KEY HAS CHANGED!/)
      assert.deepEqual(json<TrustedKey[]>(await aitbc(['keys', 'list', '--json'], {env})).map((k) => k.key_id), [server.keyId])
    } finally {
      await proxy.close()
      await other.close()
    }
  })
})
