import {fileURLToPath} from 'node:url'
import path from 'node:path'

/** ../shared beside the repository: the spec, the design and the published test vectors. */
export function sharedPath(relative: string): string {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
  return path.resolve(repo, '..', 'shared', relative)
}
