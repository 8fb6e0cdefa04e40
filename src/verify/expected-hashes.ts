// `--prompt FILE` and `--result FILE`: the SHA-256 of what the user holds, which the receipt's
// prompt_sha256 / result_sha256 must equal (the coordinator hashes the exact UTF-8 it received/sent).
import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import type {Readable} from 'node:stream'

import type {ExpectedHashes} from './receipt-checker.js'
import {TargetError} from './receipt-sources.js'

/** SHA-256 (hex) of a file's bytes, or of stdin for `-`. */
export async function sha256OfFile(file: string, stdin: Readable = process.stdin): Promise<string> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of file === '-' ? stdin : createReadStream(file)) hash.update(chunk as Buffer)
  } catch (error) {
    throw new TargetError(`cannot read ${file}: ${(error as Error).message}`)
  }
  return hash.digest('hex')
}

export async function expectedHashes(files: {prompt?: string; result?: string}, stdin?: Readable): Promise<ExpectedHashes> {
  return {
    prompt_sha256: files.prompt === undefined ? undefined : await sha256OfFile(files.prompt, stdin),
    result_sha256: files.result === undefined ? undefined : await sha256OfFile(files.result, stdin),
  }
}
