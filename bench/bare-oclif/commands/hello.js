// The whole of the reference CLI: a command that parses one flag and prints a line.
import {Command, Flags} from '@oclif/core'

export default class Hello extends Command {
  static summary = 'Print a greeting.'
  static flags = {name: Flags.string({summary: 'Who to greet.'})}

  async run() {
    const {flags} = await this.parse(Hello)
    this.log(`hello ${flags.name ?? 'world'}`)
  }
}
