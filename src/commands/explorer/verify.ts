import {Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {CliError, usageError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {comparePinnedKeys, fetchCoordinatorKeys, warnSigningKeyChanged} from '../../cli/key-pinning.js'
import {plural} from '../../cli/render.js'
import {KEY_FLAG_SUMMARY, TrustStore, verificationKeys} from '../../cli/trust-store.js'
import {ChainRangeError, type ChainSummary, verifyChain} from '../../verify/chain-verifier.js'
import {coordinatorChain} from '../../verify/coordinator-sources.js'
import {ReceiptChecker} from '../../verify/receipt-checker.js'

export default class ExplorerVerify extends ApiCommand<typeof ExplorerVerify> {
  static summary = "Verify the coordinator's ledger: every hash, link, block signature and recorded receipt."
  static description = `Public: no API key needed. Downloads the chain block by block (--from, --to heights, default all), recomputes every transaction hash, Merkle root, block hash and prev_hash link, checks that transaction numbers run on without gaps, checks each block signature against the keys pinned in the profile (or only --key), and verifies every receipt a receipt_issued transaction records in full.
A progress bar on a terminal; with --json, a JSON line per block and a summary line. Stops at the first block that does not hold.
Exit 0 when the chain holds, 10 naming the first height that does not, 3 when --to is past the newest block.`

  static examples = [
    '<%= config.bin %> explorer verify',
    '<%= config.bin %> explorer verify --from 100 --to 200',
    '<%= config.bin %> explorer verify --key 6kpsY-KcUgq-9VB7Ey7F-ZVHdq6-vnuSQh7qaRRG0iw --json | tail -n 1',
  ]

  static flags = {
    from: Flags.integer({summary: 'First height to verify (the block before it anchors the range).', min: 0}),
    to: Flags.integer({summary: 'Last height to verify [default: the newest block].', min: 0}),
    key: Flags.string({summary: KEY_FLAG_SUMMARY, multiple: true}),
  }

  async run() {
    const {from, to} = this.flags
    if (from !== undefined && to !== undefined && from > to) throw usageError(`--from ${from} is after --to ${to}.`)
    const trusted = await this.trustedKeyIds()
    const json = this.jsonEnabled()
    const progress = this.io.startProgressBar(json)
    let summary: ChainSummary
    try {
      summary = await verifyChain(coordinatorChain(await this.client()), {
        from,
        to,
        trustedKeyIds: trusted,
        receiptChecker: new ReceiptChecker(trusted),
        onBlock: (verdict, range) => {
          if (json) this.jsonLine({type: 'block', ...verdict})
          progress.update(verdict.height - range.from + 1, range.to - range.from + 1, 'blocks')
        },
      })
    } catch (error) {
      if (error instanceof ChainRangeError) throw new CliError(`${error.message}.`, {exitCode: ExitCode.NOT_FOUND, code: 'not_found'})
      throw error
    } finally {
      progress.stop()
    }

    if (json) this.jsonLine({type: 'summary', ...summary})
    if (summary.ok) {
      this.line(`Chain holds: blocks ${summary.from} to ${summary.to} (${plural(summary.blocks, 'block')}, ${plural(summary.transactions, 'transaction')}, ${plural(summary.receipts, 'receipt')} verified).`)
      return
    }
    this.line(`Chain broken at height ${summary.first_failing_height}: ${summary.reason} (${summary.detail}).`)
    if (summary.reason === 'untrusted_key' && !this.flags.key) await this.warnIfSigningKeyChanged()
    this.reportFailure(
      new CliError(`The chain does not hold at height ${summary.first_failing_height}: ${summary.reason}.`, {
        exitCode: ExitCode.VERIFICATION_FAILED,
        code: 'verification_failed',
      }),
    )
  }

  /** A block signed by an unpinned key: say loudly if the coordinator now offers none of the pinned keys. */
  private async warnIfSigningKeyChanged(): Promise<void> {
    const store = new TrustStore(await this.readConfig(), await this.profileName())
    const {keys} = await fetchCoordinatorKeys(await this.client())
    const check = comparePinnedKeys(store.list(), keys)
    if (check.status === 'changed') warnSigningKeyChanged(this.io, (await this.connection()).url, check, store.profile)
  }

  private trustedKeyIds(): Promise<Set<string>> {
    return verificationKeys(this.flags.key, async () => new TrustStore(await this.readConfig(), await this.profileName()))
  }

}
