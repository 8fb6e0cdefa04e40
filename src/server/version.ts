// The package version, for /health.
import {readFileSync} from 'node:fs'

import {packageFile} from './package-root.js'

export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as {version: string}).version
