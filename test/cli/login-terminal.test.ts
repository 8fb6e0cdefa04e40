// `aitbc login` on a real terminal (a pseudo-terminal from util-linux `script`): it asks for the URL and
// the API key, the key as a password prompt that never shows it, then saves the profile.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {BIN, tempConfigDir} from '../helpers/cli.js'
import {startProcess} from '../helpers/process.js'
import {startTestServer, type TestServer} from '../helpers/server.js'

const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0

describe('aitbc login on a terminal', {skip: !HAS_SCRIPT && 'util-linux `script` is not installed'}, () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.close())

  it('asks for the URL and the key (masked), checks them, saves the profile and pins the key', async () => {
    const configDir = tempConfigDir()
    const env: Record<string, string | undefined> = {...process.env, AITBC_CONFIG_DIR: configDir, TERM: 'xterm'}
    for (const name of Object.keys(env)) if (name.startsWith('AITBC_') && name !== 'AITBC_CONFIG_DIR') delete env[name]
    delete env.CI
    const login = startProcess('script', ['-qec', `stty cols 100 rows 24; '${process.execPath}' '${BIN}' login`, '/dev/null'], {env: env as NodeJS.ProcessEnv, keepStdinOpen: true, name: 'aitbc login (on a pty)'})
    const {child} = login

    await login.waitFor(/Coordinator URL/)
    // Typing replaces the suggested default (the address of a local coordinator).
    assert.match(login.stdout(), /127\.0\.0\.1:8001/)
    child.stdin!.write(`${server.url}\r`)
    await login.waitFor(/API key/)
    child.stdin!.write(`${server.clientKey}\r`)
    const {code, stdout: screen} = await login.result

    assert.equal(code, 0, screen)
    assert.match(screen, /Logged in to http:\/\/127\.0\.0\.1:\d+/)
    assert.match(screen, /Pinned the coordinator's signing key/)
    assert.ok(!screen.includes(server.clientKey), 'the key was shown on the terminal')
    const profile = JSON.parse(readFileSync(path.join(configDir, 'config.json'), 'utf8')).profiles.default
    assert.deepEqual([profile.url, profile.api_key, profile.trusted_keys[0].key_id], [server.url, server.clientKey, server.keyId])
  })
})
