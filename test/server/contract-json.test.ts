// dist/openapi.json (written by the build) stands in for openapi/aitbc.yaml only while it names the
// YAML's digest: an edited contract is read from the YAML, never from a stale copy.
import assert from 'node:assert/strict'
import {copyFile, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'

import {CONTRACT_FILE, readContractDocument, writeContractJson} from '../../src/server/http/contract.js'

test('the JSON copy of the contract is used while it matches the YAML, and ignored once the YAML changes', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'aitbc-contract-'))
  t.after(() => rm(dir, {recursive: true, force: true}))
  const yaml = path.join(dir, 'aitbc.yaml')
  const json = path.join(dir, 'openapi.json')
  await copyFile(CONTRACT_FILE, yaml)

  assert.equal((readContractDocument(yaml, json).info as {title: string}).title.length > 0, true, 'no JSON copy yet: read from the YAML')
  writeContractJson(yaml, json)
  const copy = JSON.parse(await readFile(json, 'utf8')) as {document: Record<string, unknown>}
  assert.deepEqual(readContractDocument(yaml, json), copy.document)

  // A marker only the JSON copy has shows which one was read.
  await writeFile(json, JSON.stringify({...JSON.parse(await readFile(json, 'utf8')), document: {...copy.document, 'x-read-from': 'json'}}))
  assert.equal(readContractDocument(yaml, json)['x-read-from'], 'json')

  await writeFile(yaml, `${await readFile(yaml, 'utf8')}\n# edited\n`)
  assert.equal(readContractDocument(yaml, json)['x-read-from'], undefined, 'the YAML changed: the stale copy is not used')

  await writeFile(json, '{not json')
  assert.deepEqual(Object.keys(readContractDocument(yaml, json)), Object.keys(copy.document), 'a broken copy falls back to the YAML')
})
