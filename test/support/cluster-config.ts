import { writeFileSync } from 'node:fs'
import path from 'node:path'

/** A configuration of several like tenants for cluster tests and benchmarks: chat agents, one queue, one entry point. */
export interface ClusterTenants {
  readonly tenants: readonly string[]
  readonly agents: readonly string[]
  readonly password: string
  readonly maxTasks: number
  readonly offerTimeoutSeconds: number
  /** Every event of every tenant goes to this receiver. */
  readonly webhook?: { readonly url: string; readonly secret: string }
}

export function clusterConfigYaml(c: ClusterTenants): string {
  const agent = (a: string) =>
    `      - { id: ${a}, name: Agent ${a}, username: ${a}, password: ${c.password}, channels: { chat: { maxTasks: ${c.maxTasks} } } }`
  const tenant = (id: string) => `
  - id: ${id}
    name: Tenant ${id}
    timeZone: UTC
    agents:
${c.agents.map(agent).join('\n')}
    skillGroups:
      - { id: chat, channel: chat, members: { ${c.agents.map((a) => `${a}: 5`).join(', ')} } }
    queues:
      - { id: q, name: Chat, skillGroups: [chat], offerTimeoutSeconds: ${c.offerTimeoutSeconds}, wrapUpSeconds: 60 }
    entryPoints:
      - { id: 1000, name: Chat, queue: q }${
        c.webhook
          ? `
    webhooks:
      - { id: crm, url: '${c.webhook.url}', secret: ${c.webhook.secret}, events: ['*'], allowPrivateNetwork: true }`
          : ''
      }`
  return `tenants:${c.tenants.map(tenant).join('')}\n`
}

/** Writes the configuration into `dir`, as an operator's file; returns its path. */
export function writeClusterConfig(dir: string, c: ClusterTenants): string {
  const file = path.join(dir, 'tenants.yaml')
  writeFileSync(file, clusterConfigYaml(c))
  return file
}
