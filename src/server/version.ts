// The package version, for /health. package.json sits two levels up from both src/server and dist/server.
import {readFileSync} from 'node:fs'

export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string}).version
