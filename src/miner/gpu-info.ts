// What the miner tells the coordinator about its GPU: from nvidia-smi when it is there, else from
// the --gpu-name / --gpu-memory flags, else nothing.
import {execFile} from 'node:child_process'

export interface GpuInfo {
  name?: string
  memory?: string
}

const NVIDIA_SMI_ARGS = ['--query-gpu=name,memory.total', '--format=csv,noheader']
const NVIDIA_SMI_TIMEOUT_MS = 5000

/** Flags win over detection, field by field; detection runs only when a field is missing. */
export async function gpuInfo(flags: GpuInfo, detect: () => Promise<GpuInfo | undefined> = detectNvidiaGpus): Promise<GpuInfo | undefined> {
  const detected = flags.name && flags.memory ? undefined : await detect()
  const info: GpuInfo = {name: flags.name ?? detected?.name, memory: flags.memory ?? detected?.memory}
  return info.name || info.memory ? info : undefined
}

/** Asks nvidia-smi; undefined when it is missing or fails (no NVIDIA GPU, no driver). */
export function detectNvidiaGpus(): Promise<GpuInfo | undefined> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', NVIDIA_SMI_ARGS, {timeout: NVIDIA_SMI_TIMEOUT_MS}, (error, stdout) => {
      resolve(error ? undefined : parseNvidiaSmi(stdout))
    })
  })
}

/**
 * Parses lines like `NVIDIA GeForce RTX 4090, 24564 MiB`. Several GPUs become one description:
 * `2 x NVIDIA A100-SXM4-80GB` (or the names joined when they differ) and their memory summed.
 */
export function parseNvidiaSmi(output: string): GpuInfo | undefined {
  const gpus = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const comma = line.lastIndexOf(',')
      return comma < 0 ? {name: line, mib: undefined} : {name: line.slice(0, comma).trim(), mib: parseMib(line.slice(comma + 1))}
    })
  if (gpus.length === 0) return undefined
  const names = [...new Set(gpus.map((gpu) => gpu.name))]
  const name = names.length === 1 ? (gpus.length > 1 ? `${gpus.length} x ${names[0]}` : names[0]) : gpus.map((gpu) => gpu.name).join(' + ')
  const known = gpus.every((gpu) => gpu.mib !== undefined)
  const memory = known ? `${gpus.reduce((sum, gpu) => sum + (gpu.mib ?? 0), 0)} MiB` : undefined
  return {name: name.slice(0, 200), memory}
}

function parseMib(text: string): number | undefined {
  const match = /^\s*(\d+)\s*MiB\s*$/i.exec(text)
  return match ? Number(match[1]) : undefined
}
