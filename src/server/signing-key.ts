// The coordinator's Ed25519 signing key on disk: PKCS#8 PEM (what openssl and node:crypto read), mode
// 0600. A key file that group or others can read is refused: whoever reads it can sign receipts.
import {createPrivateKey} from 'node:crypto'
import {chmod, readFile, stat, writeFile} from 'node:fs/promises'

import {Ed25519Signer, generateSeed} from '../protocol/ed25519.js'
import {fromBase64Url, toBase64Url} from '../protocol/encoding.js'

export const SIGNING_KEY_FILE = 'signing-key.pem'

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SigningKeyError'
  }
}

/** Creates a new key file (never overwrites one) and returns its signer. */
export async function createSigningKey(file: string): Promise<Ed25519Signer> {
  const seed = generateSeed()
  const signer = new Ed25519Signer(seed)
  const jwk = {kty: 'OKP', crv: 'Ed25519', d: toBase64Url(seed), x: signer.keyId}
  const pem = createPrivateKey({key: jwk, format: 'jwk'}).export({format: 'pem', type: 'pkcs8'}) as string
  await writeFile(file, pem, {mode: 0o600, flag: 'wx'})
  await chmod(file, 0o600)
  return signer
}

export async function loadSigningKey(file: string): Promise<Ed25519Signer> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new SigningKeyError(`cannot read the signing key ${file}: ${error.code ?? error.message}`)
  })
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0')
    throw new SigningKeyError(`the signing key ${file} is accessible to group or others (mode ${mode}); run: chmod 600 ${file}`)
  }
  return signerFromPem(await readFile(file, 'utf8'), file)
}

/** A signer from PKCS#8 PEM text (a key file's content, or an environment variable's); `where` names it in errors. */
export function signerFromPem(pem: string, where: string): Ed25519Signer {
  try {
    const key = createPrivateKey(pem)
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it is a ${key.asymmetricKeyType} key, not Ed25519`)
    const seed = fromBase64Url(key.export({format: 'jwk'}).d ?? '')
    if (!seed) throw new Error('no private key in it')
    return new Ed25519Signer(seed)
  } catch (error) {
    throw new SigningKeyError(`the signing key ${where} cannot be read: ${(error as Error).message}`)
  }
}
