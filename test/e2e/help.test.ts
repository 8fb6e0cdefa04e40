// Help: every command's usage line is well formed (no empty choice of an exclusive group such as
// `[--offset <value> | ]`), rendered in this process by oclif's help from the built manifest, as the
// binary renders it; and the real binary prints help and exits 0, for the whole CLI and a command.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type Command, Config, Help} from '@oclif/core'

import {REPO_ROOT, runCli} from '../helpers/cli.js'

/** oclif's help, with the text of a command's help (which `aitbc ID --help` prints) in reach. */
class HelpText extends Help {
  of(command: Command.Loadable): string {
    return this.formatCommand(command)
  }
}

const usageOf = (helpText: string) => /USAGE\n([\s\S]*?)\n\n/.exec(helpText)?.[1] ?? assert.fail(helpText)

describe('help of every command', () => {
  it('has a well-formed usage line', async () => {
    const config = await Config.load({root: REPO_ROOT})
    const help = new HelpText(config, {stripAnsi: true})
    assert.ok(config.commands.length > 20, `the manifest lists ${config.commands.length} commands`)
    for (const command of config.commands) {
      const usage = usageOf(help.of(command))
      assert.doesNotMatch(usage, /\|\s*\]|\[\s*\|/, `aitbc ${command.id.replaceAll(':', ' ')} --help:\n${usage}`)
    }
  })
})

describe('help from the real binary', {concurrency: true}, () => {
  for (const args of [['--help'], ['jobs', 'list', '--help']]) {
    it(`aitbc ${args.join(' ')}`, async () => {
      const result = await runCli(args, {timeoutMs: 30_000})
      assert.equal(result.code, 0, result.stderr)
      assert.match(usageOf(result.stdout), /\$ aitbc /)
    })
  }
})
