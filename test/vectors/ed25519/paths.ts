import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** A vector file of this directory (see README.md here for where each comes from). */
export function vectorPath(file: string): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), file)
}
