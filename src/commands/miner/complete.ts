import {Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {minerIdFlag} from '../../cli/miner-flags.js'
import {idArg} from '../../cli/id-args.js'
import {completeJob} from '../../client/calls.js'

export default class MinerComplete extends ApiCommand<typeof MinerComplete> {
  static summary = "Hand in a claimed job's result (plumbing for POST /v1/jobs/{id}/complete)."
  static description = `Only the miner that claimed the job, only while it runs (else exit 5). The coordinator signs a receipt for the work; its id is printed on stdout.
--result - reads the result from stdin, byte for byte. --units gives the token count the backend reported (the coordinator counts it from the result otherwise).
With --json: the signed receipt.`

  static examples = [
    '<%= config.bin %> miner complete job_01JD2X3Y4Z --miner-id gpu-1 --result "Hello!"',
    {
      description: 'The result from stdin, with the token count the backend reported.',
      command: 'ollama run llama3.2 "Say hi" | <%= config.bin %> miner complete job_01JD2X3Y4Z --miner-id gpu-1 --result - --units 12',
    },
  ]

  static args = {
    job_id: idArg('job id', 'The job to complete.'),
  }

  static flags = {
    'miner-id': minerIdFlag,
    result: Flags.string({summary: 'The result text, or "-" to read it from stdin.', required: true}),
    units: Flags.integer({summary: 'Tokens generated, as the backend reported them.', min: 0}),
  }

  async run() {
    const {'miner-id': minerId, units} = this.flags
    const result = this.flags.result === '-' ? await this.io.readStdin() : this.flags.result
    const client = await this.client()
    const receipt = await completeJob(client, this.args.job_id, {miner_id: minerId, result, ...(units === undefined ? {} : {units})})
    this.note(`Completed ${receipt.job_id}: receipt ${receipt.receipt_id} for ${receipt.units} ${receipt.unit_type}, price ${receipt.price}.`)
    this.line(receipt.receipt_id)
    return receipt
  }
}
