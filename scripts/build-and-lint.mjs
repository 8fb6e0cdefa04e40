// `npm test`'s first step: `npm run build` and eslint side by side. tsc (in the build) is single-threaded
// and takes longest, so eslint on the other core comes for free; the build's tsc -b is the type check
// `npm run lint` would run again. Each output is printed whole when its command ends, so the two do
// not interleave. Fails when either fails.
import {spawn} from 'node:child_process'

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function run(name, args) {
  return new Promise((resolve) => {
    const child = spawn(npm, args, {stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32'})
    const output = []
    child.stdout.on('data', (chunk) => output.push(chunk))
    child.stderr.on('data', (chunk) => output.push(chunk))
    child.on('close', (code, signal) => {
      process.stdout.write(Buffer.concat(output))
      if (code !== 0) process.stderr.write(`${name} failed (${signal ?? `exit ${code}`})\n`)
      resolve(code === 0)
    })
  })
}

const results = await Promise.all([run('npm run build', ['run', 'build']), run('eslint', ['run', 'lint:eslint'])])
process.exitCode = results.every(Boolean) ? 0 : 1
