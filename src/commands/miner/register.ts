import {Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {minerIdFlag} from '../../cli/miner-flags.js'
import {minerFields} from '../../cli/miner-render.js'
import {registerMiner} from '../../client/calls.js'

export default class MinerRegister extends ApiCommand<typeof MinerRegister> {
  static summary = 'Register a miner and the models it serves (plumbing for POST /v1/miners/register).'
  static description = `Registering again refreshes the models and the last-seen time (the heartbeat). Needs a miner key.
\`aitbc miner run\` does this for you; this command is for scripts and custom workers.`

  static examples = [
    '<%= config.bin %> miner register --miner-id gpu-1 --model llama3.2',
    '<%= config.bin %> miner register --miner-id gpu-1 --model llama3.2 --model mistral --gpu-name "RTX 4090" --gpu-memory 24GB --json',
  ]

  static flags = {
    'miner-id': minerIdFlag,
    model: Flags.string({summary: 'A model this miner serves; repeat for several.', multiple: true, required: true}),
    'gpu-name': Flags.string({summary: 'GPU name, e.g. "RTX 4090".'}),
    'gpu-memory': Flags.string({summary: 'GPU memory, e.g. 24GB.'}),
  }

  async run() {
    const {'miner-id': minerId, model, 'gpu-name': gpuName, 'gpu-memory': gpuMemory} = this.flags
    const gpu = {...(gpuName ? {name: gpuName} : {}), ...(gpuMemory ? {memory: gpuMemory} : {})}
    const client = await this.client()
    const body = {miner_id: minerId, capabilities: model, ...(Object.keys(gpu).length > 0 ? {gpu_info: gpu} : {})}
    const miner = await registerMiner(client, body)
    this.note(`Registered miner ${miner.miner_id}.`)
    this.line(minerFields(miner))
    return miner
  }
}
