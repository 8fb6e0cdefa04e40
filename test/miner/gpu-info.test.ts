import assert from 'node:assert/strict'
import {chmodSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, test} from 'node:test'

import {detectNvidiaGpus, gpuInfo, parseNvidiaSmi} from '../../src/miner/gpu-info.js'

describe('GPU info', () => {
  test('parses one GPU as nvidia-smi prints it', () => {
    assert.deepEqual(parseNvidiaSmi('NVIDIA GeForce RTX 4090, 24564 MiB\n'), {name: 'NVIDIA GeForce RTX 4090', memory: '24564 MiB'})
  })

  test('sums several identical GPUs and counts them', () => {
    assert.deepEqual(parseNvidiaSmi('NVIDIA A100-SXM4-80GB, 81920 MiB\nNVIDIA A100-SXM4-80GB, 81920 MiB\n'), {
      name: '2 x NVIDIA A100-SXM4-80GB',
      memory: '163840 MiB',
    })
  })

  test('joins different GPUs; unknown memory is left out; no output is no GPU', () => {
    assert.deepEqual(parseNvidiaSmi('Tesla T4, 15360 MiB\nNVIDIA L4, [N/A]\n'), {name: 'Tesla T4 + NVIDIA L4', memory: undefined})
    assert.equal(parseNvidiaSmi('\n'), undefined)
  })

  test('asks nvidia-smi with the documented query when it is on PATH', async () => {
    const bin = mkdtempSync(path.join(tmpdir(), 'aitbc-smi-'))
    const script = path.join(bin, 'nvidia-smi')
    writeFileSync(script, '#!/bin/sh\n[ "$1 $2" = "--query-gpu=name,memory.total --format=csv,noheader" ] || exit 9\necho "NVIDIA GeForce RTX 3090, 24576 MiB"\n')
    chmodSync(script, 0o755)
    const previous = process.env.PATH
    process.env.PATH = `${bin}${path.delimiter}${previous}`
    try {
      assert.deepEqual(await detectNvidiaGpus(), {name: 'NVIDIA GeForce RTX 3090', memory: '24576 MiB'})
    } finally {
      process.env.PATH = previous
    }
  })

  test('no nvidia-smi: nothing detected, and the flags are used', async () => {
    const previous = process.env.PATH
    process.env.PATH = mkdtempSync(path.join(tmpdir(), 'aitbc-empty-'))
    try {
      assert.equal(await detectNvidiaGpus(), undefined)
      assert.equal(await gpuInfo({}), undefined)
      assert.deepEqual(await gpuInfo({name: 'RTX 4090', memory: '24GB'}), {name: 'RTX 4090', memory: '24GB'})
    } finally {
      process.env.PATH = previous
    }
  })

  test('a flag wins over detection, field by field', async () => {
    const detected = async () => ({name: 'NVIDIA L4', memory: '23034 MiB'})
    assert.deepEqual(await gpuInfo({name: 'my card'}, detected), {name: 'my card', memory: '23034 MiB'})
  })
})
