// A data directory nobody else controls. Whoever can write the directory can replace any file in it
// (a store file with their own, a link to a file of the operator's), and whoever owns a file can change
// it: the coordinator refuses to start on such a directory, naming the path and the fix, before it
// reads or writes anything. Store files must be regular files: a symlink is never followed.
import {lstat, stat} from 'node:fs/promises'
import path from 'node:path'

import {DataDirError} from './data-dir.js'
import {SIGNING_KEY_FILE} from './signing-key.js'
import {STORE_FILES} from './store/lowdb-store.js'
import {temporaryName} from './store/file-layer.js'
import {HISTORY_INDEX_FILE} from './store/history-index.js'

const FILES = [SIGNING_KEY_FILE, ...Object.values(STORE_FILES), HISTORY_INDEX_FILE]

/** Throws DataDirError when `dir` (if it exists) or one of its store files is not this user's alone. */
export async function checkDataDirOwnership(dir: string): Promise<void> {
  const uid = process.getuid?.()
  if (uid === undefined) return
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw new DataDirError(`cannot read the data directory ${dir}: ${error.code ?? error.message}`)
  })
  if (!info) return
  checkOwner(dir, info, uid, 'directory')
  for (const name of FILES) {
    const file = path.join(dir, name)
    const found = await lstat(file).catch(() => undefined)
    if (!found) continue
    if (found.isSymbolicLink()) {
      throw new DataDirError(`${file} is a symbolic link: the coordinator never follows links in its data directory. Replace the link with the file itself (or restore the file); nothing was changed.`)
    }
    if (!found.isFile()) throw new DataDirError(`${file} is not a regular file; move it away or restore the file. Nothing was changed.`)
    // The signing key has a stricter check of its own (no access for others at all), with its own fix.
    checkOwner(file, found, uid, name === SIGNING_KEY_FILE ? 'key' : 'file')
  }
  // A leftover temporary file is removed before each rewrite, never written through; a link there is still a sign of trouble.
  const temporary = temporaryName(path.join(dir, STORE_FILES.doc))
  if ((await lstat(temporary).catch(() => undefined))?.isSymbolicLink()) {
    throw new DataDirError(`${temporary} is a symbolic link someone planted: remove it (rm ${temporary}) and find out who could write ${dir}. Nothing was changed.`)
  }
}

function checkOwner(file: string, info: {uid: number; mode: number}, uid: number, what: 'directory' | 'file' | 'key'): void {
  if (info.uid !== uid) {
    throw new DataDirError(
      `${file} is owned by uid ${info.uid}, not by the user running the coordinator (uid ${uid}): another user could change the coordinator's data. ` +
        `Fix: chown ${uid} ${file} (or run the coordinator as its owner). Nothing was changed.`,
    )
  }
  if (what !== 'key' && (info.mode & 0o022) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0')
    throw new DataDirError(
      `${file} is writable by ${(info.mode & 0o002) !== 0 ? 'anyone' : 'its group'} (mode ${mode}): others could ${what === 'directory' ? 'replace the files in it' : 'change it'}. ` +
        `Fix: chmod go-w ${file}. Nothing was changed.`,
    )
  }
}
