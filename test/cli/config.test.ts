// `aitbc config ...`: profile settings, the current profile, masking of API keys, the file's mode, and
// the precedence flag > env > profile for the coordinator URL.
import assert from 'node:assert/strict'
import {existsSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {tempConfigDir} from '../helpers/cli.js'
import {freePort} from '../helpers/ports.js'
import {aitbc, assertExit, json} from './aitbc.js'

const SECRET = 'aitbc_sk_test_0123456789abcdef'

describe('aitbc config', {concurrency: true}, () => {
  it('sets, gets, lists and unsets the url of the current profile', async () => {
    const env = {AITBC_CONFIG_DIR: tempConfigDir()}
    assertExit(await aitbc(['config', 'set', 'url', 'http://127.0.0.1:8123/'], {env}), 0)
    const got = await aitbc(['config', 'get', 'url'], {env})
    assertExit(got, 0)
    assert.equal(got.stdout, 'http://127.0.0.1:8123\n')

    const listed = json(await aitbc(['config', 'list', '--json'], {env}))
    assert.deepEqual({...listed, path: undefined}, {
      profile: 'default',
      current: true,
      path: undefined,
      settings: {url: 'http://127.0.0.1:8123', 'api-key': null},
    })

    assertExit(await aitbc(['config', 'unset', 'url'], {env}), 0)
    const after = await aitbc(['config', 'get', 'url', '--json'], {env})
    assertExit(after, 0)
    assert.deepEqual(json(after), {profile: 'default', key: 'url', set: false, value: null})
    const plain = await aitbc(['config', 'get', 'url'], {env})
    assert.equal(plain.stdout, '')
    assert.match(plain.stderr, /url is not set in profile "default"/)
  })

  it('stores an API key from stdin and never prints it back', async () => {
    const dir = tempConfigDir()
    const env = {AITBC_CONFIG_DIR: dir}
    const set = await aitbc(['config', 'set', 'api-key', '-'], {env, input: `${SECRET}\n`})
    assertExit(set, 0)
    assert.equal(statSync(path.join(dir, 'config.json')).mode & 0o777, 0o600)

    const runs = [
      set,
      await aitbc(['config', 'get', 'api-key'], {env}),
      await aitbc(['config', 'get', 'api-key', '--json'], {env}),
      await aitbc(['config', 'list'], {env}),
      await aitbc(['config', 'list', '--json'], {env}),
      await aitbc(['config', 'profiles', '--json'], {env}),
      await aitbc(['config', 'set', 'api-key', '-', '--json'], {env, input: SECRET}),
    ]
    for (const run of runs) {
      assertExit(run, 0)
      assert.ok(!run.stdout.includes(SECRET) && !run.stderr.includes(SECRET), 'the key was printed')
    }
    assert.equal(runs[1].stdout, '********\n')
    assert.deepEqual(json(runs[2]), {profile: 'default', key: 'api-key', set: true, value: '********'})
    assert.match(runs[3].stdout, /^api-key {2}\*{8}$/m)
    assert.equal(json<{api_key_set: boolean}[]>(runs[5])[0].api_key_set, true)
  })

  it('asks for a missing value only on a terminal; otherwise names how to pass it (exit 2)', async () => {
    const result = await aitbc(['config', 'set', 'api-key'], {env: {AITBC_CONFIG_DIR: tempConfigDir()}})
    assertExit(result, 2)
    assert.match(result.stderr, /No value given for api-key[\s\S]*"-" to read it from stdin/)
  })

  it('rejects a URL that is not http(s) and an unknown setting (exit 2)', async () => {
    const env = {AITBC_CONFIG_DIR: tempConfigDir()}
    assertExit(await aitbc(['config', 'set', 'url', 'ftp://example.com'], {env}), 2)
    assertExit(await aitbc(['config', 'set', 'url', 'not a url'], {env}), 2)
    assertExit(await aitbc(['config', 'set', 'colour', 'blue'], {env}), 2)
  })

  it('switches the current profile with `config use`, and --profile picks another for one command', async () => {
    const env = {AITBC_CONFIG_DIR: tempConfigDir()}
    const missing = await aitbc(['config', 'use', 'prod'], {env})
    assertExit(missing, 3)
    assert.match(missing.stderr, /no profile "prod"[\s\S]*--profile prod/)

    assertExit(await aitbc(['config', 'set', 'url', 'http://prod.example:8001', '--profile', 'prod'], {env}), 0)
    assertExit(await aitbc(['config', 'set', 'url', 'http://dev.example:8001'], {env}), 0)
    assert.equal((await aitbc(['config', 'get', 'url'], {env})).stdout, 'http://dev.example:8001\n')

    assertExit(await aitbc(['config', 'use', 'prod'], {env}), 0)
    assert.equal((await aitbc(['config', 'get', 'url'], {env})).stdout, 'http://prod.example:8001\n')
    assert.equal((await aitbc(['config', 'get', 'url', '--profile', 'default'], {env})).stdout, 'http://dev.example:8001\n')
    assert.equal((await aitbc(['config', 'get', 'url'], {env: {...env, AITBC_PROFILE: 'default'}})).stdout, 'http://dev.example:8001\n')

    const profiles = json<{name: string; current: boolean}[]>(await aitbc(['config', 'profiles', '--json'], {env}))
    assert.deepEqual(profiles.map(({name, current}) => ({name, current})).sort((a, b) => a.name.localeCompare(b.name)), [
      {name: 'default', current: false},
      {name: 'prod', current: true},
    ])
  })

  it('resolves the coordinator URL flag > env > profile', async () => {
    const [fromProfile, fromEnv, fromFlag] = [await freePort(), await freePort(), await freePort()]
    const env = {AITBC_CONFIG_DIR: tempConfigDir()}
    assertExit(await aitbc(['config', 'set', 'url', `http://127.0.0.1:${fromProfile}`], {env}), 0)
    const target = async (args: string[], extraEnv = {}) => {
      const result = await aitbc(['health', ...args], {env: {...env, ...extraEnv}})
      assertExit(result, 6)
      return Number(/127\.0\.0\.1:(\d+)/.exec(result.stderr)?.[1])
    }
    const targets = await Promise.all([
      target([]),
      target([], {AITBC_URL: `http://127.0.0.1:${fromEnv}`}),
      target(['--url', `http://127.0.0.1:${fromFlag}`], {AITBC_URL: `http://127.0.0.1:${fromEnv}`}),
    ])
    assert.deepEqual(targets, [fromProfile, fromEnv, fromFlag])
  })

  it('reading the config writes nothing, and a broken file is named, for readers and writers alike', async () => {
    const dir = tempConfigDir()
    const env = {AITBC_CONFIG_DIR: dir}
    const file = path.join(dir, 'config.json')
    assertExit(await aitbc(['config', 'profiles'], {env}), 0)
    const port = await freePort()
    assertExit(await aitbc(['explorer', 'stats', '--url', `http://127.0.0.1:${port}`], {env}), 6)
    assert.equal(existsSync(file), false, 'a command that only reads the config created it')

    for (const [text, problem] of [['{"profiles": {', /is not valid JSON/], ['[]', /does not hold a JSON object/]] as const) {
      writeFileSync(file, text)
      for (const args of [['explorer', 'stats', '--url', `http://127.0.0.1:${port}`], ['config', 'set', 'url', 'http://127.0.0.1:8001']]) {
        const result = await aitbc(args, {env})
        assertExit(result, 1)
        assert.ok(result.stderr.includes(`The config file ${file} `), result.stderr)
        assert.match(result.stderr, problem)
        assert.doesNotMatch(result.stderr, /bug in aitbc/)
      }
    }
  })
})
