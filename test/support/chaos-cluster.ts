import type { ServerProcess } from '../e2e/server-process.js'
import { exited, startServerProcess } from '../e2e/server-process.js'

/** What the chaos did to a node, and when: the checks forgive what a crash may leave behind. */
export interface Disruption {
  readonly node: string
  readonly kind: 'kill' | 'stop'
  readonly at: number
  until?: number
}

/**
 * Real server processes of one cluster, by node id, as a load balancer sees them: a killed node
 * is gone from the pool until it is started again; a stopped one is still there (its requests
 * hang, as a frozen machine's would).
 */
export class ChaosCluster {
  private readonly nodes = new Map<string, ServerProcess>()
  /** Every process's log, the killed ones' too: a failed check prints them. */
  private readonly logs: { id: string; lines: string[] }[] = []
  readonly disruptions: Disruption[] = []

  constructor(
    private readonly env: Record<string, string>,
    private readonly configFile: string,
  ) {}

  async start(id: string): Promise<void> {
    const n = await startServerProcess({ ...this.env, NODE_ID: id }, this.configFile)
    this.nodes.set(id, n)
    this.logs.push({ id, lines: n.logs })
  }

  /** The base URLs of the nodes that run (stopped ones too), to spread requests over. */
  urls(): string[] {
    return [...this.nodes.values()].filter((n) => n.child.exitCode === null).map((n) => n.url)
  }

  ids(): string[] {
    return [...this.nodes.keys()]
  }

  async kill(id: string): Promise<void> {
    const n = this.nodes.get(id)!
    this.disruptions.push({ node: id, kind: 'kill', at: Date.now() })
    n.child.kill('SIGKILL')
    await exited(n.child)
    this.nodes.delete(id)
  }

  /** Freezes the node for `ms` (SIGSTOP, then SIGCONT): a paused VM, a long GC, a partition. */
  async freeze(id: string, ms: number): Promise<void> {
    const n = this.nodes.get(id)!
    const d: Disruption = { node: id, kind: 'stop', at: Date.now() }
    this.disruptions.push(d)
    n.child.kill('SIGSTOP')
    await new Promise((r) => setTimeout(r, ms))
    n.child.kill('SIGCONT')
    d.until = Date.now()
  }

  /** The last lines of every process's log that match: what a failed check prints. */
  tail(lines: number, match = /"level":(40|50|60)/): string {
    return this.logs
      .map(
        ({ id, lines: all }) =>
          `--- ${id}\n${all
            .filter((l) => match.test(l))
            .slice(-lines)
            .join('\n')}`,
      )
      .join('\n')
  }

  /** SIGTERM to every node; resolves to their exit codes. */
  async stop(): Promise<Record<string, number | null>> {
    const codes: Record<string, number | null> = {}
    await Promise.all(
      [...this.nodes.entries()].map(async ([id, n]) => {
        n.child.kill('SIGCONT')
        n.child.kill('SIGTERM')
        codes[id] = await exited(n.child)
      }),
    )
    this.nodes.clear()
    return codes
  }

  killAll(): void {
    for (const n of this.nodes.values()) if (n.child.exitCode === null) n.child.kill('SIGKILL')
  }
}
