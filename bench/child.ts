import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

/** Runs a TypeScript file in a child node process, pinned to a CPU when `cpu` is given (taskset). */
export function spawnTs(
  file: string,
  args: string[],
  cpu: number | null,
  env: Record<string, string> = {},
): ChildProcess {
  const node = [process.execPath, '--import', 'tsx', file, ...args]
  const [cmd, ...rest] = cpu === null ? node : ['taskset', '-c', String(cpu), ...node]
  return spawn(cmd as string, rest, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
}

/** The rest of the child's first stdout line that starts with `prefix`. */
export function firstLine(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    rl.on('line', (line) => {
      if (line.startsWith(prefix)) resolve(line.slice(prefix.length).trim())
    })
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)))
  })
}
