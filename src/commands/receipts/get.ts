import {Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {CliError, usageError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {checkedId, optionalIdArg} from '../../cli/id-args.js'
import {receiptFields} from '../../cli/ledger-render.js'
import {getJob, getReceipt} from '../../client/calls.js'

export default class ReceiptsGet extends ApiCommand<typeof ReceiptsGet> {
  static summary = 'Show one signed receipt: by its id, or the receipt of a job (--job).'
  static description = `Shows who did the work for whom, the units and price, the hashes of the prompt and result, and the signature.
With --json: the receipt exactly as the coordinator signed it, ready for \`aitbc receipts verify\`. Exit 3 if there is no such receipt (or it is not yours), or the job has none (yet: a receipt is signed when a job completes).`

  static examples = [
    '<%= config.bin %> receipts get rcpt_01JD2X3Y4Z',
    '<%= config.bin %> receipts get rcpt_01JD2X3Y4Z --json > receipt.json',
    {description: 'The receipt of a job you submitted.', command: '<%= config.bin %> receipts get --job job_01JD2X3Y4Z --json > receipt.json'},
  ]

  static args = {
    receipt_id: optionalIdArg('receipt id', 'The receipt to show.'),
  }

  static flags = {
    job: Flags.string({summary: "Show this job's receipt instead of giving a receipt id (the job must have completed)."}),
  }

  async run() {
    if (this.args.receipt_id !== undefined && this.flags.job !== undefined) throw usageError('Give a receipt id or --job, not both.')
    const receiptId = this.args.receipt_id ?? (await this.receiptOfJob())
    const receipt = await getReceipt(await this.client(), receiptId)
    this.line(receiptFields(receipt))
    return receipt
  }

  private async receiptOfJob(): Promise<string> {
    if (this.flags.job === undefined) throw usageError('Give a receipt id or --job JOB_ID.', 'For example: aitbc receipts get --job "$JOB" --json > receipt.json')
    // Checked here, not in the flag's parse: oclif would wrap the message in "Parsing --job".
    const jobId = checkedId('job id', this.flags.job)
    const job = await getJob(await this.client(), jobId)
    if (job.receipt_id) return job.receipt_id
    throw new CliError(`Job ${jobId} has no receipt: it is ${job.status}, and a receipt is signed when a job completes.`, {exitCode: ExitCode.NOT_FOUND, code: 'not_found'})
  }
}
