import type { Extension, TenantConfig, Trunk, VoiceConfig } from '../../core/tenant-config.js'

export interface VoiceTenant {
  readonly tenantId: string
  readonly voice: VoiceConfig
}

/**
 * Who is who on the SIP side, over every tenant with voice: a phone's domain and number name a
 * tenant's extension; a call's source address names a trunk, its dialled number an entry point.
 */
export class VoiceDirectory {
  private readonly tenants: VoiceTenant[]

  constructor(configs: readonly TenantConfig[]) {
    this.tenants = configs.flatMap((c) => (c.voice ? [{ tenantId: c.id, voice: c.voice }] : []))
  }

  get isEmpty(): boolean {
    return this.tenants.length === 0
  }

  tenant(tenantId: string): VoiceTenant | undefined {
    return this.tenants.find((t) => t.tenantId === tenantId)
  }

  /** The tenant a domain belongs to: its own, else the one tenant that takes any domain. */
  forDomain(domain: string): VoiceTenant | undefined {
    const d = domain.toLowerCase()
    return (
      this.tenants.find((t) => t.voice.domain?.toLowerCase() === d) ??
      onlyOne(this.tenants.filter((t) => t.voice.domain === null))
    )
  }

  extension(tenantId: string, number: string): Extension | undefined {
    return this.tenant(tenantId)?.voice.extensions.find((x) => x.number === number)
  }

  extensionOf(tenantId: string, agentId: string): Extension | undefined {
    return this.tenant(tenantId)?.voice.extensions.find((x) => x.agentId === agentId)
  }

  /** The trunk a request came from (by its source address), with its tenant. */
  trunkAt(host: string): { tenant: VoiceTenant; trunk: Trunk } | undefined {
    for (const tenant of this.tenants)
      for (const trunk of tenant.voice.trunks) if (trunk.host === host) return { tenant, trunk }
    return undefined
  }
}

function onlyOne<T>(items: readonly T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined
}
