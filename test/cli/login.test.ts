// `aitbc login`: checks the URL and key against the coordinator, saves the profile, pins the
// coordinator's signing key on first use, and refuses loudly when that key later changes.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {mkdtemp, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {tempConfigDir} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {startSwitchableProxy} from '../verify/network-watch.js'
import {freePort} from '../helpers/ports.js'
import {aitbc, assertExit, json} from './aitbc.js'
import {Coordinator} from './coordinator.js'

const readConfig = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'))

describe('aitbc login', {concurrency: 4}, () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.close())

  it('checks and saves the URL and key, pins the signing key (trust on first use), never prints the key', async () => {
    const dir = tempConfigDir()
    const result = await aitbc(['login', '--url', `${server.url}/`, '--api-key', server.clientKey], {env: {AITBC_CONFIG_DIR: dir}})
    assertExit(result, 0)
    assert.equal(result.stdout, `Logged in to ${server.url} (coordinator ${json<{version: string}>(await aitbc(['health', '--json', '--url', server.url])).version}) as profile "default".\n`)
    assert.match(result.stderr, new RegExp(`Pinned the coordinator's signing key ${server.keyId} \\(trust on first use\\)`))
    assert.ok(!(result.stdout + result.stderr).includes(server.clientKey))
    const profile = readConfig(dir).profiles.default
    assert.deepEqual([profile.url, profile.api_key], [server.url, server.clientKey])
    assert.deepEqual(profile.trusted_keys.map((k: {key_id: string; source: string}) => [k.key_id, k.source]), [[server.keyId, server.url]])
    // The saved profile works for the next command, and logging in again changes nothing.
    assertExit(await aitbc(['receipts', 'list'], {env: {AITBC_CONFIG_DIR: dir}}), 0)
    const again = json<{pinned_keys: string[]; trusted_keys: string[]}>(await aitbc(['login', '--json', '--url', server.url, '--api-key', server.clientKey], {env: {AITBC_CONFIG_DIR: dir}}))
    assert.deepEqual([again.pinned_keys, again.trusted_keys], [[], [server.keyId]])
  })

  it('saves into --profile and takes the key from AITBC_API_KEY', async () => {
    const dir = tempConfigDir()
    assertExit(await aitbc(['login', '--profile', 'staging', '--url', server.url], {env: {AITBC_CONFIG_DIR: dir, AITBC_API_KEY: server.minerKey}}), 0)
    const config = readConfig(dir)
    assert.equal(config.profiles.staging.api_key, server.minerKey)
    assert.equal(config.profiles.default, undefined)
  })

  it('login --profile on a fresh config makes that profile current, so the next command uses it', async () => {
    const dir = tempConfigDir()
    const env = {AITBC_CONFIG_DIR: dir}
    const first = await aitbc(['login', '--profile', 'x', '--url', server.url, '--api-key', server.clientKey], {env})
    assertExit(first, 0)
    assert.equal(readConfig(dir).current_profile, 'x')
    assert.doesNotMatch(first.stderr, /current profile is still/)
    // No --profile, no AITBC_URL: the next command goes to the coordinator logged in to, not the default URL.
    const listed = await aitbc(['jobs', 'list', '--json'], {env})
    assertExit(listed, 0)

    // A second profile does not take over; login says how to use it.
    const second = await aitbc(['login', '--profile', 'y', '--url', server.url, '--api-key', server.adminKey], {env})
    assertExit(second, 0)
    assert.equal(readConfig(dir).current_profile, 'x')
    assert.match(second.stderr, /The current profile is still "x": use this one with --profile y .*aitbc config use y/)
    assert.equal(json<{current_profile: string}>(await aitbc(['login', '--profile', 'y', '--url', server.url, '--api-key', server.adminKey, '--json'], {env})).current_profile, 'x')
  })

  it('a refused key exits 4, an unreachable coordinator 6, a missing key 2; nothing is saved', async () => {
    const dir = tempConfigDir()
    const refused = await aitbc(['login', '--url', server.url, '--api-key', 'wrong-key'], {env: {AITBC_CONFIG_DIR: dir}})
    assertExit(refused, 4)
    assert.match(refused.stderr, /refused this API key/)
    assertExit(await aitbc(['login', '--url', `http://127.0.0.1:${await freePort()}`, '--api-key', 'k'], {env: {AITBC_CONFIG_DIR: dir}}), 6)
    const missing = await aitbc(['login', '--url', server.url], {env: {AITBC_CONFIG_DIR: dir}})
    assertExit(missing, 2)
    assert.match(missing.stderr, /--api-key/)
    assert.deepEqual(json(await aitbc(['keys', 'list', '--json'], {env: {AITBC_CONFIG_DIR: dir}})), [])
  })

  it('a coordinator that comes back with another key: a loud warning, exit 10, nothing pinned, receipts of the new key untrusted', async () => {
    const impostor = await Coordinator.start()
    const proxy = await startSwitchableProxy(server.url)
    try {
      const dir = tempConfigDir()
      const env = {AITBC_CONFIG_DIR: dir}
      assertExit(await aitbc(['login', '--url', proxy.url, '--api-key', server.clientKey], {env}), 0)
      proxy.target = impostor.server.url
      const result = await aitbc(['login', '--url', proxy.url, '--api-key', impostor.server.clientKey], {env})
      assertExit(result, 10)
      assert.match(result.stderr, /@@@@+\n@ +WARNING: COORDINATOR SIGNING KEY HAS CHANGED! +@\n@@@@+/)
      assert.match(result.stderr, new RegExp(`Offered: ${impostor.server.keyId}`))
      const profile = readConfig(dir).profiles.default
      assert.equal(profile.api_key, server.clientKey)
      assert.deepEqual(profile.trusted_keys.map((k: {key_id: string}) => k.key_id), [server.keyId])

      const {receipt} = await impostor.completedJob('hi', 'there', 'miner-i')
      const file = path.join(await mkdtemp(path.join(tmpdir(), 'aitbc-login-')), 'r.json')
      await writeFile(file, JSON.stringify(receipt))
      const verify = await aitbc(['receipts', 'verify', file, '--json'], {env})
      assertExit(verify, 10)
      assert.equal(JSON.parse(verify.stdout.split('\n')[0]).reason, 'untrusted_key')
    } finally {
      await proxy.close()
      await impostor.close()
    }
  })
})
