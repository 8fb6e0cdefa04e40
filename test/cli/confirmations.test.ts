// One confirmation rule for every command that asks (`jobs cancel`, `admin keys revoke`, `keys trust
// --from-coordinator`): --yes goes ahead; a person at a terminal is asked (No: exit 1, nothing
// changed, no red "Error:"); without a terminal and without --yes the command refuses (exit 2) and
// says to pass --yes. A changed signing key is never accepted by --yes, only by --accept-changed-key.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {tempConfigDir} from '../helpers/cli.js'
import {startTestServer} from '../helpers/server.js'
import {startSwitchableProxy} from '../verify/network-watch.js'
import {aitbc, assertExit, json} from './aitbc.js'
import {Coordinator} from './coordinator.js'

const TERMINAL = {tty: {stdin: true, stdout: true, stderr: true}, env: {CI: undefined}}

describe('confirmations', {concurrency: 4}, () => {
  let coord: Coordinator
  before(async () => {
    coord = await Coordinator.start()
  })
  after(() => coord.close())

  /** Each asking command, with what it would change and how to see whether it did. */
  const cases = [
    {
      name: 'jobs cancel',
      async prepare() {
        const job = await coord.submit('keep me')
        return {args: ['jobs', 'cancel', job.job_id], env: coord.env(), question: new RegExp(`^Cancel ${job.job_id}\\?$`), unchanged: async () => (await coord.job(job.job_id)).status === 'pending'}
      },
    },
    {
      name: 'admin keys revoke',
      async prepare() {
        const name = `key-${Math.random().toString(36).slice(2, 8)}`
        const created = json<{api_key: string}>(await aitbc(['admin', 'keys', 'create', '--role', 'client', '--name', name, '--json'], {env: coord.env('admin')}))
        const works = async () => (await coord.server.request('/v1/jobs', {key: created.api_key})).status === 200
        return {args: ['admin', 'keys', 'revoke', name], env: coord.env('admin'), question: new RegExp(`^Revoke API key "${name}"\\?`), unchanged: works}
      },
    },
    {
      name: 'keys trust --from-coordinator',
      async prepare() {
        const env = {...coord.env('none'), AITBC_CONFIG_DIR: tempConfigDir()}
        const unchanged = async () => json<unknown[]>(await aitbc(['keys', 'list', '--json'], {env})).length === 0
        return {args: ['keys', 'trust', '--from-coordinator'], env, question: /^Trust this key in profile "default"\?$/, unchanged}
      },
    },
  ]

  for (const {name, prepare} of cases) {
    it(`${name} without a terminal and without --yes refuses (exit 2, says --yes) and changes nothing`, async () => {
      const {args, env, unchanged} = await prepare()
      for (const extra of [[], ['--json']]) {
        const result = await aitbc([...args, ...extra], {env})
        assertExit(result, 2)
        assert.match(extra.length ? JSON.parse(result.stdout).error.message : result.stderr, /no terminal to confirm on/)
        if (!extra.length) assert.match(result.stderr, /Pass --yes to/)
        assert.ok(await unchanged(), `${name} changed something without a confirmation`)
      }
    })

    it(`${name} on a terminal asks; "no" is exit 1 without a red "Error:", and nothing changes`, async () => {
      const {args, env, question, unchanged} = await prepare()
      const result = await aitbc(args, {...TERMINAL, env: {...env, ...TERMINAL.env}, answers: [false]})
      assertExit(result, 1)
      assert.equal(result.prompts.length, 1)
      assert.match(result.prompts[0], question)
      assert.match(result.stderr, /^Aborted; nothing was changed\.$/m)
      assert.doesNotMatch(result.stderr, /Error/)
      assert.ok(await unchanged())
    })

    it(`${name} --yes goes ahead without asking`, async () => {
      const {args, env, unchanged} = await prepare()
      assertExit(await aitbc([...args, '--yes'], {env}), 0)
      assert.ok(!(await unchanged()))
    })
  }

  it('after SIGNING KEY HAS CHANGED, --yes pins nothing (exit 10), on a terminal too; --accept-changed-key does', async () => {
    const other = await startTestServer()
    const proxy = await startSwitchableProxy(coord.server.url)
    try {
      const env = {AITBC_CONFIG_DIR: tempConfigDir(), AITBC_URL: proxy.url}
      const pinned = async () => json<{key_id: string}[]>(await aitbc(['keys', 'list', '--json'], {env})).map((key) => key.key_id)
      assertExit(await aitbc(['keys', 'trust', '--from-coordinator', '--yes'], {env}), 0)
      proxy.target = other.url

      const scripted = await aitbc(['keys', 'trust', '--from-coordinator', '--yes'], {env})
      assertExit(scripted, 10)
      assert.match(scripted.stderr, /SIGNING KEY HAS CHANGED/)
      assert.match(scripted.stderr, /--yes does not accept it/)
      assert.match(scripted.stderr, /--accept-changed-key/)
      const onTerminal = await aitbc(['keys', 'trust', '--from-coordinator'], {tty: TERMINAL.tty, env: {...env, ...TERMINAL.env}, answers: [true]})
      assertExit(onTerminal, 10)
      assert.deepEqual(onTerminal.prompts, [], 'a changed key is not offered as a question')
      assert.deepEqual(await pinned(), [coord.server.keyId])

      const accepted = await aitbc(['keys', 'trust', '--from-coordinator', '--accept-changed-key'], {env})
      assertExit(accepted, 0)
      assert.deepEqual((await pinned()).sort(), [coord.server.keyId, other.keyId].sort())
    } finally {
      await proxy.close()
      await other.close()
    }
  })
})
