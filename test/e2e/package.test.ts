// `npm pack` on a clean checkout gives a package that works: the repository's files (no dist/) are
// copied to a temporary directory, packed there (`prepack` builds; its type-check reuses the
// checkout's record of what it already checked), and the tarball is installed into a temporary
// prefix, as a user's `npm install -g` would. Then the installed `aitbc` prints its version and
// verifies a receipt.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, it} from 'node:test'

import {REPO_ROOT} from '../helpers/cli.js'
import {runProcess, withEnv} from '../helpers/process.js'
import {newSigner, signedReceipts} from '../verify/fixtures.js'

const work = mkdtempSync(path.join(tmpdir(), 'aitbc-pack-'))
after(() => rmSync(work, {recursive: true, force: true}))

/** The files a fresh clone has: tracked and new (not ignored) ones, so no dist/ and no manifest. */
function cloneLike(target: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {cwd: REPO_ROOT, encoding: 'utf8'}).split('\0').filter(Boolean)
  for (const file of files) {
    if (!existsSync(path.join(REPO_ROOT, file))) continue
    mkdirSync(path.dirname(path.join(target, file)), {recursive: true})
    // With their times, which tell prepack's `tsc -b` whether they changed since they were last checked.
    cpSync(path.join(REPO_ROOT, file), path.join(target, file), {preserveTimestamps: true})
  }
  // The build tools, as `npm ci` would have installed them.
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(target, 'node_modules'))
  // The type-check's record (an ignored file), so that prepack's `tsc -b` does not check again what
  // `npm test` has just checked; a file changed since is checked, as in the checkout itself.
  const typecheck = path.join(REPO_ROOT, 'tsconfig.check.tsbuildinfo')
  if (existsSync(typecheck)) cpSync(typecheck, path.join(target, 'tsconfig.check.tsbuildinfo'), {preserveTimestamps: true})
}

it('npm pack builds dist/ (prepack); the installed package runs --version and receipts verify', {timeout: 600_000}, async () => {
  const checkout = path.join(work, 'checkout')
  cloneLike(checkout)
  assert.ok(!existsSync(path.join(checkout, 'dist')), 'the copy starts without dist/')
  // The certificates the suite's processes go without (test/run-suite.mjs), for npm's way to the registry.
  const certificates = process.env.EXTRA_CA_CERTS_FOR_NPM ?? process.env.NODE_EXTRA_CA_CERTS
  const env = withEnv({npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', NODE_EXTRA_CA_CERTS: certificates})

  const packed = await runProcess('npm', ['pack', '--pack-destination', work], {cwd: checkout, env, timeoutMs: 300_000})
  assert.equal(packed.code, 0, packed.output)
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'))
  assert.ok(tarball, `npm pack left no tarball:\n${packed.output}`)
  const listing = execFileSync('tar', ['tzf', path.join(work, tarball)], {encoding: 'utf8'})
  assert.match(listing, /^package\/dist\/commands\/receipts\/verify\.js$/m)
  assert.match(listing, /^package\/oclif\.manifest\.json$/m)

  const prefix = path.join(work, 'prefix')
  // --prefer-offline: the tarballs `npm ci` cached; the registry only for what the cache lacks (npm ci
  // caches tarballs, not the package documents an install by name resolves versions from).
  const installed = await runProcess('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', path.join(work, tarball)], {cwd: work, env, timeoutMs: 300_000})
  assert.equal(installed.code, 0, installed.output)
  const aitbc = path.join(prefix, 'bin', 'aitbc')

  const version = await runProcess(aitbc, ['--version'], {cwd: work})
  assert.equal(version.code, 0, version.output)
  assert.match(version.stdout, /^aitbc\/0\.\d+\.\d+ /)

  const signer = newSigner()
  const [receipt] = signedReceipts(signer, 1)
  const file = path.join(work, 'receipt.json')
  writeFileSync(file, JSON.stringify(receipt))
  const verified = await runProcess(aitbc, ['receipts', 'verify', file, '--key', signer.keyId], {cwd: work})
  assert.equal(verified.code, 0, verified.output)
  assert.match(verified.stdout, /1 receipt: 1 ok, 0 failed/)

  writeFileSync(file, JSON.stringify({...receipt, units: receipt.units + 1}))
  const tampered = await runProcess(aitbc, ['receipts', 'verify', file, '--key', signer.keyId], {cwd: work})
  assert.equal(tampered.code, 10, tampered.output)
})
