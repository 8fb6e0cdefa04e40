import {Args, Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {CliError, usageError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {inertField} from '../../cli/inert-text.js'
import {KEY_FLAG_SUMMARY, TrustStore, verificationKeys} from '../../cli/trust-store.js'
import {expectedHashes} from '../../verify/expected-hashes.js'
import {ReceiptChecker} from '../../verify/receipt-checker.js'
import {verifyReceiptStream} from '../../verify/receipt-run.js'
import {hasNetworkTarget, receiptTexts, resolveTargets, type Target, TargetError} from '../../verify/receipt-sources.js'
import {StdoutBuffer, summaryLine, summaryRecord, verdictLine, verdictRecord} from '../../verify/verdict-output.js'

export default class ReceiptsVerify extends ApiCommand<typeof ReceiptsVerify> {
  static summary = 'Verify signed receipts against the keys you trust.'
  static description = `A TARGET is a file holding one receipt, a JSON array of receipts or JSON Lines; a directory of such files (*.json, *.jsonl, *.ndjson); "-" for stdin; or a receipt id, fetched from the coordinator. With no receipt id among the targets no network call is made at all. With no TARGET, receipts are read from stdin.

Signatures are checked against the keys pinned in the profile (\`aitbc keys list\`), or only against the --key keys when given: the key id a receipt names for itself proves nothing. Receipts of aitbc (canonicalization "rfc8785") and of the Python AITBC coordinator (version "1.0") are both understood; each receipt names its form.

Prints a line per receipt (ok, or FAILED with the reason) and a summary; with --json, a JSON line per receipt and a summary line. Reasons: malformed, unsupported_alg, untrusted_key, bad_signature, hash_mismatch.
Exit 0 when every receipt is valid, 10 when any is not, 2 for usage errors, 1 when a target cannot be read.`

  static examples = [
    '<%= config.bin %> receipts verify receipt.json',
    '<%= config.bin %> receipts verify receipts.jsonl --key 6kpsY-KcUgq-9VB7Ey7F-ZVHdq6-vnuSQh7qaRRG0iw',
    '<%= config.bin %> receipts get rcpt_01JD2X3Y4Z --json | <%= config.bin %> receipts verify - --result out.txt --prompt prompt.txt',
    '<%= config.bin %> receipts verify rcpt_01JD2X3Y4Z',
    '<%= config.bin %> receipts verify ./receipts/ --json | jq -c "select(.ok == false)"',
  ]

  static strict = false
  static args = {
    target: Args.string({description: 'Receipt file, directory, receipt id, or "-" for stdin (repeatable).'}),
  }

  static flags = {
    key: Flags.string({
      summary: KEY_FLAG_SUMMARY,
      multiple: true,
    }),
    result: Flags.string({summary: 'Check result_sha256 against this file (the result text you received); "-" for stdin.'}),
    prompt: Flags.string({summary: 'Check prompt_sha256 against this file (the prompt you sent); "-" for stdin.'}),
  }

  async run() {
    // The arguments as the base command parsed them: parsing again would let oclif read stdin for them.
    const targets = await this.targets(this.argList)
    const trusted = await this.trustedKeyIds()
    const checker = new ReceiptChecker(trusted, await this.readTargets(() => expectedHashes({prompt: this.flags.prompt, result: this.flags.result}, this.io.stdin)))
    const fetchReceipt = hasNetworkTarget(targets) ? await this.receiptFetcher() : undefined

    const json = this.jsonEnabled()
    const out = new StdoutBuffer(this.io.stdout)
    const paint = (text: string, style: 'green' | 'red') => this.io.paint(text, style)
    const summary = await this.readTargets(() =>
      verifyReceiptStream(receiptTexts(targets, {fetchReceipt, stdin: this.io.stdin}), checker, (source, verdict) =>
        out.write(json ? JSON.stringify(verdictRecord(source, verdict)) : verdictLine(source, verdict, {paint, field: inertField})),
      ),
    ).finally(() => out.flush())

    if (summary.total === 0) throw new CliError('Found no receipts in the targets.', {hint: 'Give files or directories holding receipts, receipt ids, or - for stdin.'})
    if (json) this.jsonLine(summaryRecord(summary))
    else this.line(summaryLine(summary))
    if (summary.failed > 0) {
      // On a terminal the summary line just said so: the exit code alone, no second "Error:" saying it again.
      // With stdout in a file or a pipe, stderr is where a person learns it.
      if (this.io.stdoutIsTTY && !json) this.io.exitCode = ExitCode.VERIFICATION_FAILED
      else this.reportFailure(new CliError(`${summary.failed} of ${summary.total} receipts did not verify.`, {exitCode: ExitCode.VERIFICATION_FAILED, code: 'verification_failed'}))
    }
  }

  private async targets(argv: string[]): Promise<Target[]> {
    const stdinUses = argv.filter((arg) => arg === '-').length + [this.flags.result, this.flags.prompt].filter((file) => file === '-').length
    if (stdinUses > 1) throw usageError('stdin ("-") can be read only once: as one target, --result or --prompt.')
    if (argv.length === 0) {
      if (this.io.stdinIsTTY) throw usageError('No receipts to verify.', 'Pass a receipt file, a directory, a receipt id, or "-" for stdin.')
      if (stdinUses > 0) throw usageError('stdin is already read for --result or --prompt; name the receipts to verify.')
      return [{kind: 'stdin'}]
    }
    if (argv.includes('-') && this.io.stdinIsTTY) this.note('Reading receipts from stdin; end with Ctrl-D.')
    return this.readTargets(() => resolveTargets(argv))
  }

  /** The keys to verify against: --key, else those pinned in the profile (the config file is read only then). */
  private trustedKeyIds(): Promise<Set<string>> {
    return verificationKeys(this.flags.key, async () => new TrustStore(await this.readConfig(), await this.profileName()))
  }

  private async receiptFetcher(): Promise<(id: string) => Promise<string>> {
    const {receiptFetcher} = await import('../../verify/coordinator-sources.js')
    return receiptFetcher(await this.client())
  }

  /** Runs a step that reads targets, turning "cannot read" into exit 1 with the reason. */
  private async readTargets<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step()
    } catch (error) {
      if (error instanceof TargetError) throw new CliError(error.message, {code: 'unreadable_target'})
      throw error
    }
  }
}
