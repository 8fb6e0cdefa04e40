import path from 'node:path'

import {REPO_ROOT} from '../../helpers/cli.js'

/** A vector file of this directory (see README.md here for where each comes from). */
export function vectorPath(file: string): string {
  return path.join(REPO_ROOT, 'test', 'vectors', 'ed25519', file)
}
