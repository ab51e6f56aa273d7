import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export interface TryClusterOptions {
  readonly nodes: number
  readonly firstPort: number
  readonly databaseUrl: string
  readonly natsUrl: string
  readonly config: string
}

/**
 * Starts `nodes` servers of this checkout as one cluster on this machine (ports from `firstPort`,
 * no SIP), each line of each prefixed with its node's name; Ctrl-C stops them all, each handing
 * its tenants over as it goes. For a try, not for production: that runs one node per machine.
 */
export async function tryCluster(o: TryClusterOptions): Promise<void> {
  const cli = fileURLToPath(new URL('./switchboard.js', import.meta.url))
  // Under tsx the sibling is a .ts file: run it the way this process was run.
  const entry = import.meta.url.endsWith('.ts') ? cli.replace(/\.js$/, '.ts') : cli
  const children: ChildProcess[] = []
  for (let i = 0; i < o.nodes; i++) {
    const name = `node-${i + 1}`
    const child = spawn(process.execPath, [...process.execArgv, entry, 'start', '--config', o.config], {
      env: {
        ...process.env,
        PORT: String(o.firstPort + i),
        SIP_PORT: '0',
        DATABASE_URL: o.databaseUrl,
        NATS_URL: o.natsUrl,
        NODE_ID: name,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const listening = new Promise<void>((resolve) => {
      for (const stream of [child.stdout, child.stderr])
        createInterface({ input: stream }).on('line', (line) => {
          process.stdout.write(`${name} | ${line}\n`)
          if (line.includes('switchboard listening')) resolve()
        })
      child.once('exit', () => resolve())
    })
    children.push(child)
    // One after another: the first applies the configuration (and migrates), the others find it.
    await listening
    console.log(`${name}: http://localhost:${o.firstPort + i}`)
  }
  const exited = children.map((c) => new Promise((r) => c.once('exit', r)))
  process.once('SIGINT', () => {
    for (const c of children) c.kill('SIGTERM')
  })
  await Promise.all(exited)
}
